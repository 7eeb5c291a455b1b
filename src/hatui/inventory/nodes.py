"""Reading YAML nodes into checked values, with errors that name file:line: field.

The text is composed with PyYAML's safe machinery, not loaded, so every value keeps its line.
`NodeReader` builds plain values from nodes the way `yaml.safe_load` would and refuses the
wrong types; `MappingReader` is one mapping with its keys already checked against a schema.
Nothing here knows the inventory's fields: loader.py holds those.

- unknown and duplicate keys are errors, so a typo never silently falls back to a default;
- an optional key that is null or left empty takes its default; a required one may not be null;
- YAML merge keys (`<<: *anchor`) work, and keys written in the mapping win over merged ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from enum import StrEnum
from typing import TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hatui.errors import InventoryError
from hatui.inventory.checks import shown

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"

# (key node, value node) of one mapping entry: the key node gives the line to blame for the key.
_Entry = tuple[Node, Node]


def compose(text: str, source: str) -> Node | None:
    """The YAML node tree, or InventoryError naming the line of a syntax error."""
    try:
        node: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = exc.problem or exc.context or "cannot parse"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            message = f"{exc.context}, {exc.problem}"  # "expected X, but found Y"
        elif exc.context and exc.problem and exc.context_mark is not None:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise InventoryError(f"{source}:{line}: YAML syntax error: {message}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        raise InventoryError(
            f"{source}:{line}: YAML syntax error: character {char!r} is not allowed ({exc.reason})"
        ) from None
    except yaml.YAMLError as exc:
        raise InventoryError(f"{source}: YAML error: {exc}") from None
    return node


def join_path(path: str, key: str) -> str:
    """The dotted field path of `key` inside `path` ("" is the top level)."""
    return f"{path}.{key}" if path else key


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """A hint for a misspelt key: the closest choice, or all of them when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(choices)}"


class NodeReader:
    """Turns nodes of one source into checked values, or errors that say where and why."""

    def __init__(self, source: str) -> None:
        self.source = source
        # Builds scalars the way yaml.safe_load would (ints, bools, nulls, YAML 1.1 rules).
        self._constructor = SafeConstructor()

    def error(self, node: Node, path: str, message: str) -> InventoryError:
        """An InventoryError at the node's line, for the field at `path`."""
        field = f"{path}: " if path else ""
        return InventoryError(f"{self.source}:{node.start_mark.line + 1}: {field}{message}")

    def is_null(self, node: Node) -> bool:
        return isinstance(node, ScalarNode) and node.tag == _NULL_TAG

    def scalar(self, node: ScalarNode, path: str) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.error(node, path, f"cannot read this value: {problem}") from None

    def describe(self, node: Node, path: str) -> str:
        """What a node holds, for "expected X, got Y"; lists and mappings are not built."""
        if isinstance(node, MappingNode | SequenceNode):
            kind = "a mapping" if isinstance(node, MappingNode) else "a list"
            plain = node.tag in (_MAP_TAG, _SEQ_TAG)
            return kind if plain else f"{kind} tagged {node.tag!r}"
        assert isinstance(node, ScalarNode)
        value = self.scalar(node, path)
        if value is None:
            return "null"
        if isinstance(value, bool):
            return f"a boolean ({str(value).lower()})"
        if isinstance(value, int):
            return f"an integer ({value})"
        if isinstance(value, float):
            return f"a number ({value})"
        if isinstance(value, str):
            return f"a string ({shown(value)})"
        return f"a {type(value).__name__} ({shown(node.value)})"

    def wrong_type(self, node: Node, path: str, expected: str) -> InventoryError:
        return self.error(node, path, f"expected {expected}, got {self.describe(node, path)}")

    # Readers: (node, path) -> value. Each is passed to MappingReader.req / MappingReader.opt.

    def string(self, node: Node, path: str) -> str:
        if isinstance(node, ScalarNode):
            value = self.scalar(node, path)
            if isinstance(value, str):
                return value
            if value is not None:
                # `name: 01` or `vrrp_instance: 1` are numbers to YAML; say how to fix it.
                raise self.error(
                    node,
                    path,
                    f"expected a string, got {self.describe(node, path)}; "
                    f"quote it ('{node.value}') if you meant the text",
                )
        raise self.wrong_type(node, path, "a string")

    def checked(self, check: Callable[[str], T]) -> Callable[[Node, str], T]:
        """A reader of a string passed through one of `checks` (ValueError -> located error)."""

        def read(node: Node, path: str) -> T:
            text = self.string(node, path)
            try:
                return check(text)
            except ValueError as exc:
                raise self.error(node, path, str(exc)) from None

        return read

    def integer(self, low: int, high: int) -> Callable[[Node, str], int]:
        def read(node: Node, path: str) -> int:
            expected = f"an integer from {low} to {high}"
            value = self.scalar(node, path) if isinstance(node, ScalarNode) else None
            if not isinstance(value, int) or isinstance(value, bool):
                raise self.wrong_type(node, path, expected)
            if not low <= value <= high:
                raise self.error(node, path, f"expected {expected}, got {value}")
            return value

        return read

    def port(self, node: Node, path: str) -> int:
        return self.integer(1, 65535)(node, path)

    def seconds(self, node: Node, path: str) -> float:
        """A duration in seconds: a finite number greater than zero."""
        value = self.scalar(node, path) if isinstance(node, ScalarNode) else None
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.wrong_type(node, path, "a number of seconds greater than 0")
        if not 0 < value < float("inf"):
            raise self.error(
                node, path, f"expected a number of seconds greater than 0, got {value}"
            )
        return float(value)

    def boolean(self, node: Node, path: str) -> bool:
        value = self.scalar(node, path) if isinstance(node, ScalarNode) else None
        if not isinstance(value, bool):
            raise self.wrong_type(node, path, "true or false")
        return value

    def choice(self, kind: type[E]) -> Callable[[Node, str], E]:
        """A reader of one value of a StrEnum."""

        def read(node: Node, path: str) -> E:
            text = self.string(node, path)
            values = [member.value for member in kind]
            if text not in values:
                close = difflib.get_close_matches(text, values, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                message = f"expected one of {', '.join(values)}, got {shown(text)}{hint}"
                raise self.error(node, path, message)
            return kind(text)

        return read

    def sequence(self, node: Node, path: str, what: str) -> list[Node]:
        # A tagged list (`!!python/tuple [...]`) is refused: the inventory is plain data.
        if not isinstance(node, SequenceNode) or node.tag != _SEQ_TAG:
            raise self.wrong_type(node, path, f"a list of {what}")
        return list(node.value)

    def tuple_of(
        self, read: Callable[[Node, str], T], what: str
    ) -> Callable[[Node, str], tuple[T, ...]]:
        def read_all(node: Node, path: str) -> tuple[T, ...]:
            items = self.sequence(node, path, what)
            return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(items))

        return read_all

    def mapping(
        self, node: Node | None, path: str, keys: tuple[str, ...], *, nullable: bool = True
    ) -> MappingReader:
        """A mapping checked for unknown and duplicate keys; absent or null reads as empty."""
        if node is None or (nullable and self.is_null(node)):
            return MappingReader(self, node, path, {})
        if not isinstance(node, MappingNode) or node.tag != _MAP_TAG:
            raise self.wrong_type(node, path, "a mapping")
        entries = self._entries(node, path, frozenset())
        for key, (key_node, _value) in sorted(
            entries.items(), key=lambda item: item[1][0].start_mark.index
        ):
            if key not in keys:
                raise self.error(
                    key_node, join_path(path, key), f"unknown key ({did_you_mean(key, keys)})"
                )
        return MappingReader(self, node, path, entries)

    def _entries(self, node: MappingNode, path: str, merging: frozenset[int]) -> dict[str, _Entry]:
        """Key -> (key node, value node), with `<<` merges applied the YAML way."""
        own: dict[str, _Entry] = {}
        merged: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, MappingNode):
                        raise self.wrong_type(
                            source, join_path(path, "<<"), "a mapping (or a list of them) to merge"
                        )
                    # An alias may point back at a mapping being merged: `&a {<<: *a}`.
                    if id(source) in merging or source is node:
                        raise self.error(
                            key_node, join_path(path, "<<"), "a mapping cannot merge itself"
                        )
                    # Earlier sources win over later ones, as in YAML's merge key spec.
                    for key, entry in self._entries(source, path, merging | {id(node)}).items():
                        merged.setdefault(key, entry)
                continue
            value = self.scalar(key_node, path) if isinstance(key_node, ScalarNode) else None
            if not isinstance(value, str):
                raise self.wrong_type(key_node, path, "a string key")
            if value in own:
                first = own[value][0].start_mark.line + 1
                raise self.error(
                    key_node, join_path(path, value), f"duplicate key (first at line {first})"
                )
            own[value] = (key_node, value_node)
        return {**merged, **own}


class MappingReader:
    """One mapping of the inventory being read: its entries, path and line."""

    def __init__(
        self, reader: NodeReader, node: Node | None, path: str, entries: dict[str, _Entry]
    ) -> None:
        self._reader = reader
        self._node = node
        self._path = path
        self._entries = entries

    def key_path(self, key: str) -> str:
        return join_path(self._path, key)

    def get(self, key: str) -> Node | None:
        """The value node of `key`; None when the key is absent or null (take the default)."""
        entry = self._entries.get(key)
        if entry is None or self._reader.is_null(entry[1]):
            return None
        return entry[1]

    def required(self, key: str) -> Node:
        """The value node of `key`; an error at this mapping's line if it is absent."""
        entry = self._entries.get(key)
        if entry is None:
            # Only the top level and list items have required keys; both always have a node.
            assert self._node is not None
            raise self._reader.error(self._node, self.key_path(key), "required key is missing")
        return entry[1]

    def req(self, key: str, read: Callable[[Node, str], T]) -> T:
        return read(self.required(key), self.key_path(key))

    def opt(self, key: str, read: Callable[[Node, str], T], default: T) -> T:
        node = self.get(key)
        return default if node is None else read(node, self.key_path(key))
