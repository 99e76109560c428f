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

export { type AttachDashjsOptions, attachDashjs } from './dashjs/attach-dashjs.js';
export { dashjsIntents } from './dashjs/dashjs-intents.js';
export { dashjsLicenceAnswers } from './dashjs/dashjs-licence-answers.js';
export {
  DASHJS_EVENTS,
  DASHJS_RENEWAL_ANSWER,
  type DashjsEvent,
  type DashjsFilter,
  type DashjsLicenseRequest,
  type DashjsLicenseResponse,
  type DashjsPlayerLike,
  type DashjsRenewalAnswer,
} from './dashjs/dashjs-player.js';
export { emeLicence } from './eme/eme-licence.js';
export {
  type MediaElementLike,
  type VideoSourceOf,
  videoElementIntents,
} from './eme/video-element-intents.js';
export { type AttachHlsjsOptions, attachHlsjs } from './hlsjs/attach-hlsjs.js';
export { hlsjsIntents, hlsjsLicenceAnswers } from './hlsjs/hlsjs-intents.js';
export {
  HLSJS_EVENTS,
  HLSJS_RENEWAL_ANSWER,
  type HlsjsKeyContext,
  type HlsjsLicenceHooks,
  type HlsjsLicenseResponseCallback,
  type HlsjsLicenseXhrSetup,
  type HlsjsLike,
  type HlsjsRenewalAnswer,
} from './hlsjs/hlsjs-player.js';
export {
  type LicenceFormat,
  type LicenceReading,
  licenceFormatOf,
  readLicenceResponse,
} from './licence/licence-response.js';
export {
  type LicenseWaitOptions,
  licenseHeadersWhenActive,
} from './licence/license-headers-when-active.js';
export {
  type AppStateFromDocumentOptions,
  appStateFromDocument,
  type DocumentLike,
} from './page/app-state-from-document.js';
export {
  type TeardownOnPageHideOptions,
  teardownOnPageHide,
} from './page/teardown-on-page-hide.js';
export { type AttachSsmOptions, attachSsm } from './shaka/attach-ssm.js';
export { type ShakaSourceOf, shakaIntents } from './shaka/shaka-intents.js';
export { shakaLicenceAnswers } from './shaka/shaka-licence-answers.js';
export { shakaLicenceRenewals } from './shaka/shaka-licence-renewals.js';
export {
  SHAKA_LICENSE_REQUEST,
  type ShakaNetworkingEngineLike,
  type ShakaPendingRequest,
  type ShakaPlayerLike,
  type ShakaRequest,
  type ShakaRequestFilter,
  type ShakaResponse,
  type ShakaResponseFilter,
} from './shaka/shaka-player.js';
export { type LoadIntents, loadIntents, type UriSourceOf } from './source/load-intents.js';
export type { SourceAnswer } from './source/source-answer.js';
