#!/usr/bin/python3
"""The app's window as a desktop sees it, over X11 (python3-xlib).

  x11.py close PID        asks the window of process PID to close, as a title bar's close
                          button does (a WM_DELETE_WINDOW message), then waits until it is
                          hidden
  x11.py wait-shown PID   waits until that window is shown
  x11.py screenshot PID F saves what that window shows on screen as the PNG file F

WebDriver cannot do these: its "close window" destroys the webview without asking the app,
and its screenshot (a WebKit snapshot) hangs when the webview renders without the GPU, as
the app does; this reads the pixels the X server holds for the window.
Waits follow X's map and unmap events, up to 30 s; exits 1 with the reason on failure.
"""
import select
import struct
import sys
import time
import zlib

from Xlib import X, display, protocol

TIMEOUT_S = 30
TITLE = "Freshboard"  # tauri.conf.json


def app_window(d, pid):
    """The top-level window of `pid` titled as the app's is (not GTK's helper windows, nor
    the tray icon's own window where no tray host shows it)."""
    net_wm_pid = d.intern_atom("_NET_WM_PID")
    for w in d.screen().root.query_tree().children:
        prop = w.get_full_property(net_wm_pid, X.AnyPropertyType)
        if prop is not None and prop.value[0] == pid and w.get_wm_name() == TITLE:
            return w
    return None


def wait_for(d, window, shown):
    """Until the window is mapped (`shown`) or unmapped, reading X's events as they come."""
    window.change_attributes(event_mask=X.StructureNotifyMask)
    d.sync()
    deadline = time.monotonic() + TIMEOUT_S
    while (window.get_attributes().map_state == X.IsViewable) != shown:
        while d.pending_events():
            d.next_event()
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit(f"the window was not {'shown' if shown else 'hidden'} within {TIMEOUT_S} s")
        select.select([d.fileno()], [], [], left)


def save_png(d, window, path):
    """The window's pixels (24-bit TrueColor, 32 bits a pixel, as Xvfb's -screen WxHx24) as RGB."""
    geometry = window.get_geometry()
    width, height = geometry.width, geometry.height
    image = window.get_image(0, 0, width, height, X.ZPixmap, 0xFFFFFFFF)
    screen = d.screen()
    visual = next(v for depth in screen.allowed_depths for v in depth.visuals if v.visual_id == screen.root_visual)
    if geometry.depth != 24 or len(image.data) != width * height * 4:
        sys.exit(f"cannot read a depth-{geometry.depth} window ({len(image.data)} bytes for {width}x{height})")
    little = d.display.info.image_byte_order == X.LSBFirst
    masks = (visual.red_mask, visual.green_mask, visual.blue_mask)
    if masks != (0xFF0000, 0x00FF00, 0x0000FF):
        sys.exit(f"unexpected visual masks {masks}")
    # Each pixel is 0x00RRGGBB in the server's byte order: B G R X when little-endian.
    order = (2, 1, 0) if little else (1, 2, 3)
    data = image.data
    rows = bytearray()
    stride = width * 4
    for y in range(height):
        row = data[y * stride:(y + 1) * stride]
        rows.append(0)  # PNG filter: none
        rgb = bytearray(width * 3)
        rgb[0::3] = row[order[0]::4]
        rgb[1::3] = row[order[1]::4]
        rgb[2::3] = row[order[2]::4]
        rows += rgb

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(rows), 6)))
        f.write(chunk(b"IEND", b""))


def main():
    command, pid = sys.argv[1], int(sys.argv[2])
    d = display.Display()
    window = app_window(d, pid)
    if window is None:
        sys.exit(f"process {pid} has no window titled {TITLE}")
    if command == "close":
        wm_protocols = d.intern_atom("WM_PROTOCOLS")
        message = protocol.event.ClientMessage(
            window=window,
            client_type=wm_protocols,
            data=(32, [d.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
        )
        window.send_event(message, event_mask=X.NoEventMask)
        d.flush()
        wait_for(d, window, shown=False)
    elif command == "wait-shown":
        wait_for(d, window, shown=True)
    elif command == "screenshot":
        save_png(d, window, sys.argv[3])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
