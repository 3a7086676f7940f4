"""A notification server (org.freedesktop.Notifications) that records every Notify call and
lets the test act as the user: invoke an action, click the body, or dismiss."""



import json
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable

from dbus_next import Variant
from dbus_next.service import ServiceInterface, method, signal

if TYPE_CHECKING:
    from .session import DesktopSession

# Reasons of NotificationClosed, per the Desktop Notifications spec.
EXPIRED, DISMISSED, CLOSED_BY_CALL = 1, 2, 3


@dataclass
class Notification:
    id: int
    app_name: str
    summary: str
    body: str
    actions: dict[str, str]  # key -> label
    hints: dict[str, Any]
    timeout: int
    replaces_id: int
    app_icon: str


class _Server(ServiceInterface):
    def __init__(self, owner: "NotificationServer") -> None:
        super().__init__("org.freedesktop.Notifications")
        self._owner = owner

    @method()
    def GetCapabilities(self) -> "as":  # noqa: N802, F821
        return list(self._owner.capabilities)

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: N802, F821
        return ["elevate-test-notifyd", "elevate", "1.0", "1.2"]

    @method()
    def CloseNotification(self, id: "u"):  # noqa: N802, F821, A002
        self._owner._closed_by_app.append(id)
        self.NotificationClosed(id, CLOSED_BY_CALL)

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s",  # noqa: N802, F821
               body: "s", actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":  # noqa: F821
        return self._owner._record(app_name, replaces_id, app_icon, summary, body, actions, hints,
                                   expire_timeout)

    @signal()
    def ActionInvoked(self, id, action_key) -> "us":  # noqa: N802, F821, A002
        return [id, action_key]

    @signal()
    def NotificationClosed(self, id, reason) -> "uu":  # noqa: N802, F821, A002
        return [id, reason]


class NotificationServer:
    """Records notifications as JSON lines in artifacts/notifications.jsonl too."""

    DEFAULT_CAPABILITIES = ("actions", "body", "body-markup", "icon-static", "persistence")

    def __init__(self, session: "DesktopSession", capabilities: list[str] | None = None) -> None:
        self._session = session
        self.capabilities = list(capabilities if capabilities is not None else self.DEFAULT_CAPABILITIES)
        self._server = _Server(self)
        self._lock = threading.Lock()
        self._next_id = 1
        self.received: list[Notification] = []
        self._closed_by_app: list[int] = []
        self._log = session.artifacts / "notifications.jsonl"

    async def _export(self) -> None:
        self._session.bus.export("/org/freedesktop/Notifications", self._server)
        await self._session.bus.request_name("org.freedesktop.Notifications")

    def _record(self, app_name: str, replaces_id: int, app_icon: str, summary: str, body: str,
                actions: list[str], hints: dict[str, Variant], timeout: int) -> int:
        with self._lock:
            nid = replaces_id or self._next_id
            if not replaces_id:
                self._next_id += 1
            note = Notification(
                id=nid, app_name=app_name, summary=summary, body=body,
                actions=dict(zip(actions[0::2], actions[1::2])),
                hints={k: _plain(v.value) for k, v in hints.items() if k != "image-data"},
                timeout=timeout, replaces_id=replaces_id, app_icon=app_icon)
            self.received.append(note)
            with open(self._log, "a") as f:
                f.write(json.dumps(asdict(note), default=str) + "\n")
        return nid

    # -- sync API for tests ----------------------------------------------------------------
    def wait_for(self, match: Callable[[Notification], bool] | str, timeout: float = 20.0) -> Notification:
        """The first notification matching `match` (a predicate, or a substring of the summary)."""
        from .session import wait_until
        pred = match if callable(match) else (lambda n: match in n.summary)
        return wait_until(lambda: next((n for n in list(self.received) if pred(n)), None), timeout,
                          f"a notification matching {match!r}; got {[n.summary for n in self.received]}")

    def invoke_action(self, note: Notification, key: str) -> None:
        """What clicking an action button does: ActionInvoked, then NotificationClosed."""
        if key != "default" and key not in note.actions:
            raise AssertionError(f"notification {note.summary!r} has no action {key!r}: {note.actions}")
        self._session.call_soon(self._server.ActionInvoked, note.id, key)
        self._session.call_soon(self._server.NotificationClosed, note.id, DISMISSED)

    def dismiss(self, note: Notification) -> None:
        self._session.call_soon(self._server.NotificationClosed, note.id, DISMISSED)

    @property
    def closed_by_app(self) -> list[int]:
        return list(self._closed_by_app)


def _plain(value: Any) -> Any:
    if isinstance(value, Variant):
        return _plain(value.value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode(errors="replace")
    return value
