#!/usr/bin/python3
"""The app's window as a desktop sees it, over X11 (python3-xlib).

  x11.py close PID        asks the window of process PID to close, as a title bar's close
                          button does (a WM_DELETE_WINDOW message), then waits until it is
                          hidden
  x11.py wait-shown PID   waits until that window is shown

WebDriver cannot do this: its "close window" destroys the webview without asking the app.
Waits follow X's map and unmap events, up to 30 s; exits 1 with the reason on failure.
"""
import select
import sys
import time

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
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
