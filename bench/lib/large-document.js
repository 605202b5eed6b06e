// The largest document the dialect accepts, for the large-body benches: 100 commands, each
// padded with a <note> so that together they fill about `room` characters of a 10 MB body.
'use strict';

const LIMIT = 10 * 1024 * 1024;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

const head = (sessionId) =>
  `<?xml version="1.0" encoding="UTF-8"?><BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="${XSI}"><sessionId xmlns="">${sessionId}</sessionId>`;
const TAIL = '</BroadsoftDocument>';

const add = (userId, note) =>
  `<command xsi:type="UserIntegratedIMPAddRequest" xmlns=""><userId>${userId}</userId><serviceProviderId>ent</serviceProviderId><groupId>g</groupId><firstName>B</firstName><lastName>L</lastName>${note}</command>`;
const get = (userId, note) => `<command xsi:type="UserIntegratedIMPGetRequest" xmlns=""><userId>${userId}</userId>${note}</command>`;

/** `first(note)`, then `rest(k, note)` for k = 0..98, between `start` and TAIL, every command carrying the same padding note. */
function hundredCommands(start, room, first, rest) {
  const pad = Math.floor((room - first('').length - 99 * rest(99, '').length) / 100) - 13;
  const note = `<note>${'p'.repeat(pad)}</note>`;
  return start + first(note) + Array.from({ length: 99 }, (_, k) => rest(k, note)).join('') + TAIL;
}

module.exports = { LIMIT, TAIL, add, get, head, hundredCommands };
