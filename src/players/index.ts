/**
 * Player adapters: intents from Shaka Player or a plain media element, the token header on
 * licence requests, licence answers and renewals for DRM enforcement, page visibility as app
 * state, and the teardown on page close.
 *
 * Shaka Player, dash.js and hls.js are peer dependencies of this entry only, and never imported:
 * the adapters take the player instance, and `rx-ssm/players` brings none of them into a bundle.
 *
 * @packageDocumentation
 */
export {
  type AppStateFromDocumentOptions,
  appStateFromDocument,
  type DocumentLike,
} from './app-state-from-document.js';
export { type AttachDashjsOptions, attachDashjs } from './attach-dashjs.js';
export { type AttachHlsjsOptions, attachHlsjs } from './attach-hlsjs.js';
export { type AttachSsmOptions, attachSsm } from './attach-ssm.js';
export { dashjsIntents } from './dashjs-intents.js';
export { dashjsLicenceAnswers } from './dashjs-licence-answers.js';
export {
  DASHJS_EVENTS,
  DASHJS_RENEWAL_ANSWER,
  type DashjsEvent,
  type DashjsFilter,
  type DashjsLicenseRequest,
  type DashjsLicenseResponse,
  type DashjsPlayerLike,
  type DashjsRenewalAnswer,
} from './dashjs-player.js';
export { emeLicence } from './eme-licence.js';
export { hlsjsIntents, hlsjsLicenceAnswers } from './hlsjs-intents.js';
export {
  HLSJS_EVENTS,
  HLSJS_RENEWAL_ANSWER,
  type HlsjsKeyContext,
  type HlsjsLicenceHooks,
  type HlsjsLicenseResponseCallback,
  type HlsjsLicenseXhrSetup,
  type HlsjsLike,
  type HlsjsRenewalAnswer,
} from './hlsjs-player.js';
export {
  type LicenceFormat,
  type LicenceReading,
  licenceFormatOf,
  readLicenceResponse,
} from './licence-response.js';
export {
  type LicenseWaitOptions,
  licenseHeadersWhenActive,
} from './license-headers-when-active.js';
export { type LoadIntents, loadIntents, type UriSourceOf } from './load-intents.js';
export { type ShakaSourceOf, shakaIntents } from './shaka-intents.js';
export { shakaLicenceAnswers } from './shaka-licence-answers.js';
export { shakaLicenceRenewals } from './shaka-licence-renewals.js';
export {
  SHAKA_LICENSE_REQUEST,
  type ShakaNetworkingEngineLike,
  type ShakaPendingRequest,
  type ShakaPlayerLike,
  type ShakaRequest,
  type ShakaRequestFilter,
  type ShakaResponse,
  type ShakaResponseFilter,
} from './shaka-player.js';
export type { SourceAnswer } from './source-answer.js';
export { type TeardownOnPageHideOptions, teardownOnPageHide } from './teardown-on-page-hide.js';
export {
  type MediaElementLike,
  type VideoSourceOf,
  videoElementIntents,
} from './video-element-intents.js';
