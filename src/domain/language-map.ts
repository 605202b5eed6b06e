/**
 * BroadWorks language names (as configured on the AS) → Webex language codes. A template's
 * `languageMap` is consulted first, so an estate with its own language names needs no code.
 */
export const BROADWORKS_LANGUAGES: Readonly<Record<string, string>> = Object.freeze({
  English: 'en_US',
  'English (US)': 'en_US',
  'English (UK)': 'en_GB',
  'UK English': 'en_GB',
  French: 'fr_FR',
  'French (Canada)': 'fr_CA',
  'Canadian French': 'fr_CA',
  Spanish: 'es_ES',
  'Spanish (Latin America)': 'es_CO',
  German: 'de_DE',
  Italian: 'it_IT',
  Portuguese: 'pt_PT',
  'Portuguese (Brazil)': 'pt_BR',
  Dutch: 'nl_NL',
  Swedish: 'sv_SE',
  Danish: 'da_DK',
  Norwegian: 'nb_NO',
  Finnish: 'fi_FI',
  Polish: 'pl_PL',
  Russian: 'ru_RU',
  Turkish: 'tr_TR',
  Japanese: 'ja_JP',
  Korean: 'ko_KR',
  Chinese: 'zh_CN',
  'Chinese (Simplified)': 'zh_CN',
  'Chinese (Traditional)': 'zh_TW',
});

const WEBEX_CODE = /^[a-z]{2}_[A-Z]{2}$/;

/**
 * The Webex code for a BroadWorks language, or undefined when neither the template's map,
 * the built-in table nor the value itself (already a code such as `fr_CA`) gives one.
 */
export function webexLanguageFor(language: string, templateMap?: Readonly<Record<string, string>>): string | undefined {
  if (templateMap && Object.prototype.hasOwnProperty.call(templateMap, language)) return templateMap[language];
  if (Object.prototype.hasOwnProperty.call(BROADWORKS_LANGUAGES, language)) return BROADWORKS_LANGUAGES[language];
  return WEBEX_CODE.test(language) ? language : undefined;
}
