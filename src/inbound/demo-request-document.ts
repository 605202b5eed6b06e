/**
 * The add-user document the demo's printed `imp-bridge send` command sends. It is written into
 * the data dir at demo creation because an installed package or the Docker image has no
 * test/fixtures; the shape is the protocol README's request example.
 */
export const DEMO_REQUEST_FILE = 'demo-request.xml';

export const DEMO_REQUEST_DOCUMENT = `<?xml version="1.0" encoding="UTF-8"?>
<BroadsoftDocument protocol="OCI" xmlns="C" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <sessionId xmlns="">demo.example.net,1,1</sessionId>
  <command xsi:type="UserIntegratedIMPAddRequest" xmlns="">
    <userId>2405550100@voip.example.net</userId>
    <serviceProviderId>demo-enterprise</serviceProviderId>
    <groupId>demo-group</groupId>
    <firstName>Dana</firstName>
    <lastName>Demo</lastName>
    <emailAddress>dana.demo@example.com</emailAddress>
    <language>English</language>
    <timeZone>America/New_York</timeZone>
  </command>
</BroadsoftDocument>
`;
