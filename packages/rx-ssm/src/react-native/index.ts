/**
 * `rx-ssm/react-native`: the app state of a React Native app, and react-native-video's DRM
 * configuration with the SSM token header (and FairPlay's `getLicense`), for `ssmSession` or
 * `useSsmSession` (`rx-ssm/react`).
 *
 * @module
 */
export {
  type AppStateFromReactNativeOptions,
  appStateFromReactNative,
  type ReactNativeAppStateLike,
} from './app-state-from-react-native.js';
export { type FairPlayGetLicenseOptions, fairPlayGetLicense } from './fairplay-licence.js';
export { type VideoDrmLike, videoDrm } from './video-drm.js';
