import { useMemo, useState } from 'react';
import { AppState } from 'react-native';
import { DRMType, type Drm, Video } from 'react-native-video';
import type { LicenceAnswer, SsmSource } from 'rx-ssm';
import { useSsmSession } from 'rx-ssm/react';
import { appStateFromReactNative, fairPlayGetLicense, videoDrm } from 'rx-ssm/react-native';
import { Subject } from 'rxjs';

/** One FairPlay channel whose SSM session follows the app state and picture-in-picture. */
export function Channel({ source, certificateUrl }: { source: SsmSource; certificateUrl: string }) {
  const [pip$] = useState(() => new Subject<boolean>());
  const [licence$] = useState(() => new Subject<LicenceAnswer>());
  const [appState$] = useState(() => appStateFromReactNative(AppState, { pip$ }));
  const { state, session } = useSsmSession({ source, licence$, appState$ });
  const getLicense = useMemo(
    () => fairPlayGetLicense(session, { src: source.src, licence: licence$ }),
    [session, source.src, licence$],
  );
  // A licence request needs the session token: load the video once the session is live.
  if (state.status !== 'active') return null;
  const drm: Drm = { type: DRMType.FAIRPLAY, certificateUrl, getLicense };
  return (
    <Video
      source={{ uri: source.src, drm: videoDrm(state, drm) }}
      onPictureInPictureStatusChanged={(e) => pip$.next(e.isActive)}
    />
  );
}
