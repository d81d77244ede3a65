"""YAML in and out for course files: line numbers for every node, and writes that keep hand edits.

Reading resolves only ``true``/``false``, ``null``, plain decimal numbers and strings. YAML 1.1 (PyYAML's
default) would turn ``22:00`` into 1320, ``no`` into False and ``01`` into 1 - in course text those are
always meant as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    "SafeLoader with a small, predictable set of implicit types"

    yaml_implicit_resolvers: dict[Any, Any] = {}


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])

_SCALARS: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:bool": lambda v: v.lower() == "true",
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:null": lambda v: None,
}


class YamlError(Exception):
    "A YAML text could not be read; ``line`` is 1-based"

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Located:
    """Plain data from a YAML text plus the line of every node (dict entries: the line of their key)."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    node: Node | None = None

    def line(self, path: Path_) -> int | None:
        """The line of ``path`` or of its nearest ancestor that exists."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def data_path(self, loc: tuple[Any, ...]) -> Path_:
        """The part of a pydantic error location that exists in the data (union tags and missing keys drop out)."""
        path: list[str | int] = []
        cur = self.data
        for part in loc:
            if isinstance(cur, dict) and isinstance(part, str) and part in cur:
                cur = cur[part]
            elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
                cur = cur[part]
            else:
                continue
            path.append(part)
        return tuple(path)


def load(text: str, line_offset: int = 0) -> Located:
    """Parse one YAML document; raise :class:`YamlError` with a line number on bad syntax or duplicate keys."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise YamlError(_syntax_message(exc), line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML ({exc})", None) from exc
    located = Located(None, node=node)
    if node is not None:
        located.data = _build(node, (), located.lines, line_offset, set())
    return located


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "syntax error"
    hint = ""
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        hint = (" - text inside { } or [ ] that has a comma, a colon or a question mark must be quoted: "
                'en: "Which are steps of the three reviews?"')
    elif "mapping values are not allowed" in problem or "could not find expected ':'" in problem:
        hint = " - check the indentation, and put text that contains ': ' in quotes"
    elif "found character '\\t'" in problem:
        hint = " - indent with spaces, not tabs"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        hint = " - check the indentation of this line and the one above"
    return f"YAML syntax error: {problem}{hint}"


def _build(node: Node, path: Path_, lines: dict[Path_, int], offset: int, active: set[int]) -> Any:
    lines[path] = node.start_mark.line + 1 + offset
    if id(node) in active:
        raise YamlError("an alias refers to itself", node.start_mark.line + 1 + offset)
    if isinstance(node, ScalarNode):
        build = _SCALARS.get(node.tag)
        if build is None:
            raise YamlError(f"YAML tags like {node.tag} are not supported: remove the tag", lines[path])
        return build(node.value)
    active.add(id(node))
    try:
        if isinstance(node, SequenceNode):
            return [_build(item, (*path, i), lines, offset, active) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1 + offset
                if not isinstance(key_node, ScalarNode):
                    raise YamlError("a key must be a plain word, not a list or mapping", key_line)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlError("merge keys (<<) are not supported: write the keys out", key_line)
                # Keys are names in this format; `1:` or `true:` are read as the words they look like.
                key = key_node.value
                if key in result:
                    raise YamlError(f"duplicate key '{key}': remove or rename one of them", key_line)
                result[key] = _build(value_node, (*path, key), lines, offset, active)
                lines[(*path, key)] = key_line
            return result
    finally:
        active.discard(id(node))
    raise YamlError(f"unexpected YAML node {node.tag}", lines[path])


# --- writing ---------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    "Indents lists under their key, like the examples in FORMAT.md"

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Flow(dict[str, Any]):
    "A mapping written on one line: {zh: ..., en: ...}"


class _FlowList(list[Any]):
    "A list written on one line: [a, b]"


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(_FlowList, _represent_flow_list)


def _flowify(value: Any) -> Any:
    """Short, one-line bilingual texts and option lists read best as flow mappings."""
    if isinstance(value, dict):
        inner = {k: _flowify(v) for k, v in value.items()}
        if set(inner) <= {"zh", "en"}:
            inner = {k: _FlowList(v) if _short_strings(v) else v for k, v in inner.items()}
        if inner and set(inner) <= {"zh", "en", "id", "text"} and _short(inner):
            return _Flow(inner)
        return inner
    if isinstance(value, list):
        return [_flowify(v) for v in value]
    return value


def _short_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and "\n" not in v for v in value) and (
        sum(len(v) for v in value) <= 70
    )


def _short(mapping: dict[str, Any]) -> bool:
    total = 0
    for v in mapping.values():
        if isinstance(v, _Flow | _FlowList):
            total += sum(len(str(x)) for x in (v.values() if isinstance(v, dict) else v))
        elif isinstance(v, str) and "\n" not in v:
            total += len(v)
        else:
            return False
    return total <= 70


def dump(data: Any) -> str:
    """YAML for course files: block style, short texts inline, no line folding, keys in the given order."""
    text: str = yaml.dump(
        _flowify(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000, default_flow_style=False
    )
    return text


def _content_end(node: Node) -> int:
    """Where a node's own text ends; a block collection's end mark runs on over trailing comments and blank lines."""
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    children: list[Node] = []
    if isinstance(node, SequenceNode):
        children = list(node.value)
    elif isinstance(node, MappingNode):
        for k, v in node.value:
            children += [k, v]
    return max((_content_end(c) for c in children), default=int(node.start_mark.index))


def _indent(block: str, column: int) -> str:
    lines = block.rstrip("\n").split("\n")
    return "\n".join([lines[0]] + [(" " * column + line) if line else line for line in lines[1:]])


def splice_list_items(text: str, key: str, replace: dict[int, Any], append: list[Any]) -> str | None:
    """Rewrite items of the top-level block list ``key`` in place and add items after its last one.

    Everything else in the file - comments, blank lines, the other items - stays as written. Returns None
    when the list is not a non-empty block list (the caller then writes the whole file).
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, MappingNode):
        return None
    seq = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == key), None)
    if not isinstance(seq, SequenceNode) or seq.flow_style or not seq.value:
        return None
    edits: list[tuple[int, int, str]] = []
    for i, item in enumerate(seq.value):
        if i in replace:
            end = _content_end(item)
            while end > item.start_mark.index and text[end - 1] in "\r\n":
                end -= 1
            edits.append((item.start_mark.index, end, _indent(dump(replace[i]), item.start_mark.column)))
    if append:
        last = seq.value[-1]
        end = _content_end(last)
        while end > last.start_mark.index and text[end - 1] in "\r\n":
            end -= 1
        line_start = text.rfind("\n", 0, last.start_mark.index) + 1
        dash = text.find("-", line_start, last.start_mark.index)
        dash_col = dash - line_start if dash >= 0 else max(last.start_mark.column - 2, 0)
        body_col = last.start_mark.column
        gap = " " * (body_col - dash_col - 1) if body_col > dash_col + 1 else " "
        added = "".join(f"\n\n{' ' * dash_col}-{gap}{_indent(dump(item), body_col)}" for item in append)
        edits.append((end, end, added))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text if text.endswith("\n") else text + "\n"
