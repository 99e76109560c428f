import { useEffect, useRef, useState } from 'react';
import type { SsmSource } from 'rx-ssm';
import { useSsmSession } from 'rx-ssm/react';

/** Channel buttons and a `<video>` whose SSM session follows the chosen channel. */
export function ChannelPlayer({ channels }: { channels: SsmSource[] }) {
  const [channel, setChannel] = useState<SsmSource | null>(channels[0] ?? null);
  const [playing, setPlaying] = useState(true);
  const { state, play } = useSsmSession({ source: channel, playing });
  const video = useRef<HTMLVideoElement>(null);

  // `state` is a new object at every heartbeat (its token rotates): an effect that hangs on it
  // runs every period. This one hangs on what it reads, the source that is live, if any.
  const liveSrc = state.status === 'active' ? state.source.src : undefined;
  useEffect(() => {
    // Load the content once its session is live: its licence requests need the session token.
    const element = video.current;
    if (liveSrc && element && element.dataset.src !== liveSrc) {
      element.dataset.src = liveSrc;
      element.src = liveSrc;
    }
  }, [liveSrc]);

  return (
    <section>
      {channels.map((c) => (
        <button key={c.src} type="button" onClick={() => setChannel(c)}>
          {c.src}
        </button>
      ))}
      <button type="button" onClick={() => setPlaying(!playing)}>
        {playing ? 'Stop' : 'Play'}
      </button>
      <video ref={video} autoPlay muted />
      <output>{state.status}</output>
      {state.status === 'error' && (
        <button type="button" onClick={play}>
          {state.error.isSessionLimit ? 'Too many screens: try again' : 'Try again'}
        </button>
      )}
    </section>
  );
}
