"""Elevate's headless desktop test harness.

A `DesktopSession` gives one test its own X server (Xvfb), its own D-Bus session bus
(dbus-run-session), a temporary HOME with XDG dirs, an unlocked gnome-keyring, a
notification server that records Notify calls, and a StatusNotifierWatcher that sees the
tray. Everything it starts listens on the session bus or on loopback, and is torn down when
the session closes.
"""

from .session import DesktopSession, HarnessError
from .tray import TrayHost, MenuItem
from .notifications import NotificationServer, Notification
from .secrets import SecretService
from .webdriver import WebDriver, WebDriverError

__all__ = [
    "DesktopSession",
    "HarnessError",
    "TrayHost",
    "MenuItem",
    "NotificationServer",
    "Notification",
    "SecretService",
    "WebDriver",
    "WebDriverError",
]
