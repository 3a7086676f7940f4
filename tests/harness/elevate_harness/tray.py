"""A fake StatusNotifierWatcher (and host) that sees Elevate's tray item, reads its
dbusmenu and clicks menu items, speaking the real protocols over the session bus."""



import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbus_next import Message, MessageType, Variant
from dbus_next.constants import PropertyAccess
from dbus_next.service import ServiceInterface, dbus_property, method, signal

if TYPE_CHECKING:
    from .session import DesktopSession

SNI = "org.kde.StatusNotifierItem"
DBUSMENU = "com.canonical.dbusmenu"


def _plain_label(label: str) -> str:
    """dbusmenu marks mnemonics with `_` and escapes a literal underscore as `__`."""
    return label.replace("__", "\0").replace("_", "").replace("\0", "_")


@dataclass
class MenuItem:
    id: int
    label: str
    enabled: bool = True
    visible: bool = True
    kind: str = "standard"  # or "separator"
    toggle_state: int | None = None
    children: list["MenuItem"] = field(default_factory=list)

    def walk(self) -> list["MenuItem"]:
        items = [self]
        for child in self.children:
            items.extend(child.walk())
        return items

    def labels(self) -> list[str]:
        """Labels of the visible, non-separator items below this one, depth first."""
        return [i.label for i in self.walk()[1:] if i.kind != "separator" and i.visible]


@dataclass
class TrayItem:
    bus_name: str
    path: str


class _Watcher(ServiceInterface):
    def __init__(self, host: "TrayHost") -> None:
        super().__init__("org.kde.StatusNotifierWatcher")
        self._host = host

    @method()
    def RegisterStatusNotifierItem(self, service: "s"):  # noqa: N802, F821
        # The sender's bus name is captured by TrayHost's message handler.
        pass

    @method()
    def RegisterStatusNotifierHost(self, service: "s"):  # noqa: N802, F821
        pass

    @dbus_property(access=PropertyAccess.READ)
    def RegisteredStatusNotifierItems(self) -> "as":  # noqa: N802, F821
        return [f"{i.bus_name}{i.path}" for i in self._host.items]

    @dbus_property(access=PropertyAccess.READ)
    def IsStatusNotifierHostRegistered(self) -> "b":  # noqa: N802, F821
        return True

    @dbus_property(access=PropertyAccess.READ)
    def ProtocolVersion(self) -> "i":  # noqa: N802, F821
        return 0

    @signal()
    def StatusNotifierItemRegistered(self, service) -> "s":  # noqa: N802, F821
        return service

    @signal()
    def StatusNotifierHostRegistered(self):  # noqa: N802
        pass


class TrayHost:
    """What a desktop panel does with a tray item, minus the pixels."""

    def __init__(self, session: "DesktopSession") -> None:
        self._session = session
        self.items: list[TrayItem] = []
        self._watcher = _Watcher(self)
        self.signals: list[tuple[str, str]] = []  # (member, sender) of item/menu signals seen

    async def _export(self) -> None:
        bus = self._session.bus
        bus.add_message_handler(self._on_message)
        bus.export("/StatusNotifierWatcher", self._watcher)
        await bus.request_name("org.kde.StatusNotifierWatcher")
        # Signals of items (NewIcon, NewToolTip, NewStatus) and menus (LayoutUpdated).
        for iface in (SNI, DBUSMENU):
            await bus.call(Message(
                destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                body=[f"type='signal',interface='{iface}'"]))

    def _on_message(self, msg: Message) -> Any:
        if (msg.message_type == MessageType.METHOD_CALL
                and msg.interface == "org.kde.StatusNotifierWatcher"
                and msg.member == "RegisterStatusNotifierItem" and msg.body):
            service = msg.body[0]
            # libayatana passes an object path; other implementations pass a bus name.
            if service.startswith("/"):
                item = TrayItem(msg.sender, service)
            else:
                item = TrayItem(service, "/StatusNotifierItem")
            # libayatana registers again when its menu or icon changes: one item, not two.
            if item not in self.items:
                self.items.append(item)
            self._watcher.StatusNotifierItemRegistered(f"{item.bus_name}{item.path}")
        elif msg.message_type == MessageType.SIGNAL and msg.interface in (SNI, DBUSMENU):
            self.signals.append((msg.member, msg.sender))
        return None

    # -- sync API for tests ----------------------------------------------------------------
    def wait_registered(self, timeout: float = 20.0) -> TrayItem:
        from .session import wait_until
        return wait_until(lambda: self.items[-1] if self.items else None, timeout,
                          "the app's tray item to register with the StatusNotifierWatcher")

    def properties(self, item: TrayItem | None = None) -> dict[str, Any]:
        item = item or self.wait_registered()
        reply = self._call(item.bus_name, item.path, "org.freedesktop.DBus.Properties", "GetAll",
                           "s", [SNI])
        return {k: _unwrap(v) for k, v in reply[0].items()}

    def icon_file(self, item: TrayItem | None = None) -> str:
        """The PNG the item shows now (libayatana publishes icons as files, by path)."""
        props = self.properties(item)
        name = props["IconName"]
        if not name.startswith("/"):
            name = f"{props.get('IconThemePath', '')}/{name}.png"
        return name

    def menu(self, item: TrayItem | None = None) -> MenuItem:
        item = item or self.wait_registered()
        menu_path = self.properties(item)["Menu"]
        reply = self._call(item.bus_name, menu_path, DBUSMENU, "GetLayout", "iias", [0, -1, []])
        return _menu_from_layout(reply[1])

    def click(self, label: str, item: TrayItem | None = None) -> MenuItem:
        """Sends the `clicked` event a panel sends when the user picks the item. The app may
        rebuild its menu between our read and the click (ids change): read again, like a
        panel that shows the new menu, a few times."""
        item = item or self.wait_registered()
        menu_path = self.properties(item)["Menu"]
        for attempt in range(5):
            root = self.menu(item)
            matches = [i for i in root.walk() if i.label == label and i.kind != "separator"]
            if not matches:
                raise AssertionError(f"no menu item {label!r}; the menu has {root.labels()}")
            target = matches[0]
            if not target.enabled:
                raise AssertionError(f"menu item {label!r} is disabled")
            try:
                self._call(item.bus_name, menu_path, DBUSMENU, "Event", "isvu",
                           [target.id, "clicked", Variant("s", ""), 0])
                return target
            except AssertionError as err:
                if "does not refer to a menu item" not in str(err) or attempt == 4:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def _call(self, dest: str, path: str, iface: str, member: str, sig: str, body: list[Any]) -> list[Any]:
        reply = self._session.run(self._session.bus.call(Message(
            destination=dest, path=path, interface=iface, member=member, signature=sig, body=body)))
        if reply.message_type == MessageType.ERROR:
            raise AssertionError(f"{iface}.{member} failed: {reply.error_name}: {reply.body}")
        return reply.body


def _unwrap(value: Any) -> Any:
    if isinstance(value, Variant):
        return _unwrap(value.value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _menu_from_layout(layout: list[Any]) -> MenuItem:
    item_id, props, children = layout
    props = {k: _unwrap(v) for k, v in props.items()}
    node = MenuItem(
        id=item_id,
        label=_plain_label(props.get("label", "")),
        enabled=props.get("enabled", True),
        visible=props.get("visible", True),
        kind=props.get("type", "standard"),
        toggle_state=props.get("toggle-state"),
    )
    for child in children:
        node.children.append(_menu_from_layout(_unwrap(child)))
    return node


__all__ = ["TrayHost", "TrayItem", "MenuItem"]
