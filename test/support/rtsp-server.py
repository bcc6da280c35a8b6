#!/usr/bin/python3
"""A real RTSP "camera" on loopback for qmon's tests and benchmarks (GStreamer's RTSP server).

Run with Debian's python3 (/usr/bin/python3), which has the `gi` bindings:

  /usr/bin/python3 test/support/rtsp-server.py [--port 0] [--host 127.0.0.1]
      --mount /loop=file:/tmp/clip.mp4      # a pre-encoded H.264 MP4, looped forever, not re-encoded
      --mount /pattern=pattern:320x240@25   # moving test pattern (videotestsrc ball), x264 zerolatency
      --mount /still=still:320x240@25       # one unchanging picture at full frame rate (a frozen camera)
      [--auth basic|digest --user U [--password P | env QMON_RTSP_PASSWORD] [--protect /path ...]]

It prints one line `ready port=<port>` on stdout once it accepts connections (port 0 picks a free
one). Clients may use RTSP over TCP (interleaved) or UDP. Each mount is shared: one pipeline per
mount however many clients watch it, like a camera's encoder, so ten clients cost one encode.

Debian packages: gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base
gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly (x264enc, h264parse,
qtdemux, rtph264pay, videotestsrc, appsrc).

Kill it to simulate a camera reboot; SIGSTOP it to simulate a camera whose stream stalls.
"""

import argparse
import os
import re
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstApp, GstRtsp, GstRtspServer  # noqa: E402,F401 (GstApp: appsink methods)

PAYLOADER = "rtph264pay name=pay0 pt=96 config-interval=1"
# zerolatency: no lookahead or B-frames, like a camera's encoder; a keyframe every second so a
# client that joins (or rejoins after a restart) gets a picture quickly.
def x264(fps):
    return f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=1000"


def fail(msg):
    print(f"rtsp-server: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def parse_size(arg, mount):
    m = re.fullmatch(r"(\d+)x(\d+)@(\d+)", arg or "")
    if not m:
        fail(f"mount {mount}: expected WIDTHxHEIGHT@FPS, got {arg!r}")
    w, h, fps = (int(g) for g in m.groups())
    if not (16 <= w <= 4096 and 16 <= h <= 4096 and 1 <= fps <= 60):
        fail(f"mount {mount}: size or fps out of range ({arg})")
    return w, h, fps


def read_h264_samples(path):
    """Every access unit of the MP4's H.264 track, in decode order, with its caps.

    Read once at startup; the loop mount replays them with fresh timestamps, so looping costs no
    encode and the seam is clean (the clip starts with a keyframe).
    """
    if not os.path.isfile(path):
        fail(f"file not found: {path}")
    pipe = Gst.parse_launch(
        "filesrc name=file ! qtdemux ! h264parse config-interval=-1 "
        "! video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"
    )
    pipe.get_by_name("file").set_property("location", path)  # not spliced into the pipeline text
    sink = pipe.get_by_name("sink")
    pipe.set_state(Gst.State.PLAYING)
    samples, caps = [], None
    while True:
        sample = sink.pull_sample()
        if sample is None:
            break
        caps = caps or sample.get_caps()
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            fail(f"{path}: cannot read a sample")
        samples.append((bytes(info.data), buf.pts, buf.duration, buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
        buf.unmap(info)
    pipe.set_state(Gst.State.NULL)
    if not samples or caps is None:
        fail(f"{path}: no H.264 video found")
    return samples, caps


class LoopingFile:
    """Feeds one media's appsrc with the clip's access units, forever, in real time."""

    def __init__(self, samples, caps):
        self.samples = samples
        self.caps = caps
        first = samples[0][1]
        last = samples[-1]
        self.period = (last[1] - first) + (last[2] if last[2] != Gst.CLOCK_TIME_NONE else 0)
        self.first_pts = first

    def configure(self, media):
        src = media.get_element().get_child_by_name("src")
        src.set_property("caps", self.caps)
        state = {"i": 0, "offset": 0}

        def need_data(appsrc, _length):
            # Push a few at a time; the payloader's sink syncs on the timestamps, so this runs at
            # the clip's own rate however eagerly appsrc asks.
            for _ in range(10):
                data, pts, duration, delta = self.samples[state["i"]]
                buf = Gst.Buffer.new_wrapped(data)
                buf.pts = buf.dts = state["offset"] + (pts - self.first_pts)
                buf.duration = duration
                if delta:
                    buf.set_flags(Gst.BufferFlags.DELTA_UNIT)
                if appsrc.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                    return
                state["i"] += 1
                if state["i"] == len(self.samples):
                    state["i"] = 0
                    state["offset"] += self.period

        src.connect("need-data", need_data)


def build_factory(path, spec):
    kind, _, arg = spec.partition(":")
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_shared(True)
    if kind == "file":
        samples, caps = read_h264_samples(arg)
        looper = LoopingFile(samples, caps)
        factory.set_launch(f"( appsrc name=src is-live=true format=time do-timestamp=false max-bytes=2000000 ! {PAYLOADER} )")
        factory.connect("media-configure", lambda _f, media: looper.configure(media))
    elif kind == "pattern":
        w, h, fps = parse_size(arg, path)
        factory.set_launch(
            f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={w},height={h},framerate={fps}/1 "
            f"! videoconvert ! {x264(fps)} ! {PAYLOADER} )"
        )
    elif kind == "still":
        w, h, fps = parse_size(arg, path)
        # The pinwheel never changes, and a constant quantizer makes every keyframe encode (and so decode)
        # to the same bytes: each decoded frame is byte-identical, as from a hung encoder.
        factory.set_launch(
            f"( videotestsrc is-live=true pattern=pinwheel ! video/x-raw,width={w},height={h},framerate={fps}/1 "
            f"! videoconvert ! {x264(fps)} pass=quant quantizer=25 ! {PAYLOADER} )"
        )
    else:
        fail(f"mount {path}: unknown kind {kind!r} (file, pattern or still)")
    return factory


def role_token(role):
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, role)
    return token


def allow(factory, role, construct=True):
    """`access` lets a role see that the mount exists; `construct` lets it play the media. Anonymous
    clients of a protected mount get access without construct: the server answers 401 with a
    challenge, as a camera does (without access it would answer 404 and never ask)."""
    perms = f"{role}, {GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS}=(boolean)true, " \
            f"{GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT}=(boolean){'true' if construct else 'false'}"
    factory.add_role_from_structure(Gst.Structure.new_from_string(perms))


def setup_auth(server, args, factories):
    """Without --auth every mount is open. With it, protected mounts need the user's credentials
    (Basic or Digest, like a real camera's 401 challenge); the others stay open to anyone."""
    if not args.auth:
        return
    password = args.password if args.password is not None else os.environ.get("QMON_RTSP_PASSWORD")
    if not args.user or password is None:
        fail("--auth needs --user and --password (or QMON_RTSP_PASSWORD)")
    protected = set(args.protect) if args.protect else set(factories)
    for path in protected:
        if path not in factories:
            fail(f"--protect {path}: no such mount")
    auth = GstRtspServer.RTSPAuth()
    auth.set_default_token(role_token("anonymous"))
    if args.auth == "basic":
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, password), role_token("user"))
    else:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(args.user, password, role_token("user"))
    server.set_auth(auth)
    for path, f in factories.items():
        allow(f, "user")
        allow(f, "anonymous", construct=path not in protected)


def main():
    p = argparse.ArgumentParser(description="RTSP test camera (GStreamer)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mount", action="append", default=[], metavar="/PATH=KIND:ARG")
    p.add_argument("--auth", choices=["basic", "digest"])
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--protect", action="append", default=[], metavar="/PATH")
    args = p.parse_args()
    if not args.mount:
        fail("give at least one --mount /PATH=KIND:ARG")

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    factories = {}
    for m in args.mount:
        path, eq, spec = m.partition("=")
        if not eq or not path.startswith("/"):
            fail(f"--mount {m!r}: expected /PATH=KIND:ARG")
        factories[path] = build_factory(path, spec)
        mounts.add_factory(path, factories[path])
    setup_auth(server, args, factories)

    if server.attach(None) == 0:
        fail(f"cannot listen on {args.host}:{args.port}")
    loop = GLib.MainLoop()
    # Clients that vanished (killed ffmpeg) are noticed by their session timeout; clean them often.
    GLib.timeout_add_seconds(2, lambda: (server.get_session_pool().cleanup(), True)[1])
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, lambda: (loop.quit(), False)[1])
    print(f"ready port={server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
