"""The main menu, composed from every module's entries (see dangjian/core/modules.py)."""

from dataclasses import dataclass, field

from dangjian.core.modules import modules


@dataclass
class Item:
    entry: object
    children: list = field(default_factory=list)

    def __getattr__(self, name):
        return getattr(self.entry, name)


def compose(entries):
    """Top-level items in ``order``; an entry naming a ``parent`` goes into that drop-down. A drop-down no visible
    entry joined is dropped; an entry whose parent nobody declared stands at the top level."""
    entries = sorted(entries, key=lambda e: (e.order, e.key))
    groups = {e.key: Item(e) for e in entries if not e.url and not e.parent}
    top = []
    for e in entries:
        if e.key in groups and groups[e.key].entry is e:
            top.append(groups[e.key])
        elif e.parent and e.parent in groups:
            groups[e.parent].children.append(e)
        else:
            top.append(Item(e))
    return [item for item in top if item.url or item.children]


def menu_for(request):
    entries = [entry for module in modules() for entry in module.menu(request)]
    return {"main": compose([e for e in entries if e.side == "main"]),
            "right": compose([e for e in entries if e.side == "right"])}
