/* The source as the player knows it: plain data, imported by the error and the public types alike. */

/** DRM details of a source, passed through for player adapters. */
export interface SsmDrm {
  type?: string;
  licenseUrl?: string;
  certificateUrl?: string;
}

/** One playable source as the player knows it. */
export interface SsmSource {
  /** Identifies the content; a new `src` is a zap. */
  src: string;
  /** Content token; `undefined` while it is not known yet. */
  token?: string;
  /** SSM service of this content; absent when the content needs no SSM session. */
  ssmServerUrl?: string;
  /** Header that carries the tokens; default `nv-authorizations`. */
  tokenHeader?: string;
  drm?: SsmDrm;
}
