#!/usr/bin/env bash
# Regenerates the ClearKey-encrypted DASH clips used by the browser demo
# (docs/demo/media/channel-{1,2}/ and docs/demo/media/keys.json), with a manifest for dash.js
# (manifest-dashjs.mpd) and HLS playlists over the same segments for hls.js.
#
# Usage: scripts/make-demo-media.sh
#
# Requirements: ffmpeg (libx264, AAC, drawtext), a DejaVu font and the
# shaka-packager npm devDependency (npm ci). When run as root on Debian the
# missing system packages are installed with apt-get.
#
# Pipeline: ffmpeg renders a synthetic clip per channel, then shaka-packager
# encrypts it (CENC, raw key) and packages it to DASH. ffmpeg alone is not
# used for encryption because Debian's ffmpeg 5.1 writes CENC fragments
# without per-sample auxiliary info, which browsers' CDMs reject.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/docs/demo/media"
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

DURATION=12   # seconds; six 2 s segments keeps the committed size small
FPS=25
GOP=$((FPS * 2)) # one keyframe per 2 s segment so every segment is decodable alone
SIZE=640x360

# Demo-only keys. They are published in keys.json on purpose, so there is
# nothing to protect; they are fixed so the licence server, the demo and
# the committed media always agree.
declare -A KID=(
  [channel-1]=ee3cafba442b4a3898d47396b75e1dbb
  [channel-2]=d96f65a260f2b2b8d775653afda3a148
)
declare -A KEY=(
  [channel-1]=49fb5fba77ced885d08124c6f1024d0e
  [channel-2]=2970cc0d966ecd2761474b2ec656ad83
)
# Fixed IVs make re-runs byte-identical (packager picks a random IV
# otherwise), so regenerating does not churn the committed binaries. IV
# reuse between the audio and video tracks would matter with secret keys;
# these keys are public, so it does not here.
declare -A IV=(
  [channel-1]=051ce196f49ae183
  [channel-2]=91c064fa9f46f59f
)

# Per-channel look: a different test pattern, label colour and tone so the
# two channels are told apart at a glance (and by ear).
declare -A PATTERN=(
  [channel-1]="testsrc2=size=$SIZE:rate=$FPS:duration=$DURATION"
  [channel-2]="smptehdbars=size=$SIZE:rate=$FPS:duration=$DURATION"
)
declare -A LABEL_BG=([channel-1]=0x1f4fd6 [channel-2]=0xe0661b)
declare -A TONE=([channel-1]=440 [channel-2]=660)

log() { printf '[make-demo-media] %s\n' "$*" >&2; }

ensure_system_deps() {
  local missing=()
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  [[ -f "$FONT" ]] || missing+=(fonts-dejavu-core)
  ((${#missing[@]} == 0)) && return 0
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing missing packages with apt-get: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    log "missing: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})"
    exit 1
  fi
}

find_packager() {
  local bin
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) bin=packager-linux-x64 ;;
    Linux-aarch64) bin=packager-linux-arm64 ;;
    Darwin-arm64) bin=packager-osx-arm64 ;;
    Darwin-x86_64) bin=packager-osx-x64 ;;
    *) log "unsupported platform for shaka-packager: $(uname -sm)"; exit 1 ;;
  esac
  PACKAGER="$ROOT/node_modules/shaka-packager/bin/$bin"
  if [[ ! -x "$PACKAGER" ]]; then
    log "shaka-packager not found at $PACKAGER (run npm ci first)"
    exit 1
  fi
}

# W3C ClearKey (JWK) wants base64url without padding.
hex_to_b64url() {
  local hex=$1 escaped='' i
  for ((i = 0; i < ${#hex}; i += 2)); do escaped+="\\x${hex:i:2}"; done
  printf '%b' "$escaped" | base64 | tr -d '\n' | tr '+/' '-_' | tr -d '='
}

render_source() {
  local channel=$1 dst=$2 n=${1#channel-}
  # Big label on a coloured band plus a running clock and frame counter,
  # so a screenshot proves both which channel and that playback advances.
  local vf
  vf="drawbox=x=0:y=ih/2-60:w=iw:h=120:color=${LABEL_BG[$channel]}@0.85:t=fill"
  vf+=",drawtext=fontfile=$FONT:text='CHANNEL $n':fontsize=72:fontcolor=white"
  vf+=":x=(w-text_w)/2:y=h/2-text_h/2-8"
  vf+=",drawtext=fontfile=$FONT:text='%{pts\\:hms}  frame %{n}':fontsize=28"
  vf+=":fontcolor=white:box=1:boxcolor=black@0.7:boxborderw=8:x=(w-text_w)/2:y=h-text_h-24"

  # -threads 1 and bitexact flags keep the encode deterministic across runs.
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "${PATTERN[$channel]}" \
    -f lavfi -i "sine=frequency=${TONE[$channel]}:sample_rate=48000:duration=$DURATION" \
    -vf "$vf" \
    -c:v libx264 -profile:v main -preset medium -pix_fmt yuv420p -threads 1 \
    -b:v 200k -maxrate 250k -bufsize 500k \
    -g "$GOP" -keyint_min "$GOP" -sc_threshold 0 \
    -c:a aac -b:a 48k -ac 1 \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
    -t "$DURATION" \
    "$dst"
}

package_channel() {
  local channel=$1 src=$2 dir="$OUT/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  # Run inside the channel directory so the MPD references segments with
  # short relative URLs. One key for both tracks keeps the licence
  # exchange to a single kid; label= (empty) applies it to every stream.
  # CommonSystem emits the W3C "cenc" PSSH that ClearKey CDMs read.
  # The fake muxer clock zeroes mvhd/tkhd timestamps, which would otherwise
  # make every re-run produce different init segments.
  (
    cd "$dir"
    "$PACKAGER" \
      "in=$src,stream=video,init_segment=video/init.mp4,segment_template=video/\$Number\$.m4s" \
      "in=$src,stream=audio,init_segment=audio/init.mp4,segment_template=audio/\$Number\$.m4s" \
      --segment_duration 2 \
      --enable_raw_key_encryption \
      --keys "label=:key_id=${KID[$channel]}:key=${KEY[$channel]}" \
      --iv "${IV[$channel]}" \
      --protection_scheme cenc \
      --clear_lead 0 \
      --protection_systems CommonSystem \
      --generate_static_live_mpd \
      --mpd_output manifest.mpd \
      --use_fake_clock_for_muxer \
      --quiet
  )
}

# dash.js 5 calls generateRequest('keyids', ...) with whatever ClearKey init data the MPD gives,
# and Chromium rejects a PSSH box as keyids: its manifest names the ClearKey scheme without a
# PSSH, so dash.js builds {"kids": [default_KID]} itself.
write_dashjs_manifest() {
  local dir="$OUT/$1"
  perl -0pe 's#<ContentProtection schemeIdUri="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b">\s*<cenc:pssh>[^<]*</cenc:pssh>\s*</ContentProtection>#<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/>#g' \
    "$dir/manifest.mpd" >"$dir/manifest-dashjs.mpd"
}

# HLS playlists over the same CMAF segments, for hls.js: SAMPLE-AES-CTR (the cenc scheme) with
# the W3C ClearKey key format, the key id as a data: URI; segment durations from the MPD.
write_hls_playlists() {
  local dir="$OUT/$1" kid_b64
  kid_b64="$(hex_to_b64url "${KID[$1]}" | tr -- '-_' '+/')"
  node --input-type=module - "$dir" "$kid_b64" <<'NODE'
import { readFileSync, writeFileSync } from 'node:fs';
const [dir, kid] = process.argv.slice(2);
const mpd = readFileSync(`${dir}/manifest.mpd`, 'utf8');
const key = `#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1",URI="data:text/plain;base64,${kid}"`;
for (const type of ['video', 'audio']) {
  const set = mpd.slice(mpd.indexOf(`contentType="${type}"`));
  const timescale = Number(/timescale="(\d+)"/.exec(set)[1]);
  const timeline = set.slice(0, set.indexOf('</SegmentTimeline>'));
  const durations = [...timeline.matchAll(/<S (?:t="\d+" )?d="(\d+)"(?: r="(\d+)")?\/>/g)].flatMap(
    ([, d, r]) => Array(Number(r ?? 0) + 1).fill(Number(d) / timescale),
  );
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${Math.round(Math.max(...durations))}`,
    '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS', key, `#EXT-X-MAP:URI="${type}/init.mp4"`,
    ...durations.flatMap((d, i) => [`#EXTINF:${d.toFixed(6)},`, `${type}/${i + 1}.m4s`]), '#EXT-X-ENDLIST'];
  writeFileSync(`${dir}/${type}.m3u8`, `${lines.join('\n')}\n`);
}
const codecs = [...mpd.matchAll(/codecs="([^"]+)"/g)].map((m) => m[1]).join(',');
writeFileSync(`${dir}/master.m3u8`, `${[
  '#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="main",DEFAULT=YES,AUTOSELECT=YES,URI="audio.m3u8"',
  `#EXT-X-STREAM-INF:BANDWIDTH=300000,CODECS="${codecs}",RESOLUTION=640x360,AUDIO="audio"`,
  'video.m3u8'].join('\n')}\n`);
NODE
}

write_keys_json() {
  local first=1 channel
  {
    printf '{\n'
    for channel in channel-1 channel-2; do
      ((first)) || printf ',\n'
      first=0
      printf '  "%s": [\n    {\n' "$channel"
      printf '      "kid": "%s",\n' "$(hex_to_b64url "${KID[$channel]}")"
      printf '      "k": "%s",\n' "$(hex_to_b64url "${KEY[$channel]}")"
      printf '      "kidHex": "%s",\n' "${KID[$channel]}"
      printf '      "keyHex": "%s"\n' "${KEY[$channel]}"
      printf '    }\n  ]'
    done
    printf '\n}\n'
  } >"$OUT/keys.json"
}

main() {
  ensure_system_deps
  find_packager
  mkdir -p "$OUT"
  # Global (not local) so the EXIT trap can still see it after main returns.
  TMP_DIR="$(mktemp -d)"
  trap 'rm -rf "$TMP_DIR"' EXIT

  local channel
  for channel in channel-1 channel-2; do
    log "$channel: rendering ${DURATION}s source"
    render_source "$channel" "$TMP_DIR/$channel.mp4"
    log "$channel: encrypting and packaging to DASH"
    package_channel "$channel" "$TMP_DIR/$channel.mp4"
    write_dashjs_manifest "$channel"
    write_hls_playlists "$channel"
  done
  write_keys_json

  log "done: $(du -sh "$OUT" | cut -f1) in $OUT"
}

main "$@"
