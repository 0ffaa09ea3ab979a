"""Which built-in APIs are served: kube-apiserver's default resource config and `--runtime-config`.

A default kube-apiserver does not serve every API it knows: `DefaultAPIResourceConfigSource`
(pkg/controlplane/instance.go) enables the GA group-versions and disables the beta and alpha ones,
and `--runtime-config` changes that. The defaults are recorded per version and per resource in
`data/releases/<release>/builtin.json.gz` (scripts/gen_releases.py); this module ports what the
apiserver does with them:

* `parse_runtime_config`: cliflag.ConfigurationMap's `Set` (comma-separated `key[=value]`, spaces
  trimmed, a later key wins; repeating the flag adds to the map).
* `validate`: APIEnablementOptions.Validate (`api/all=false` alone; keys that are not
  `group/version[/resource]`; unknown groups).
* `ResourceConfig.merge`: resourceconfig.MergeAPIResourceConfigs (api/all, api/ga, api/beta,
  api/alpha first, then `group/version`, then `group/version/resource`, which win).
* `ResourceConfig.resource_enabled`: storage.ResourceConfig.ResourceEnabled (an explicit resource
  preference, else the version's; an unknown version is disabled).

Errors carry kube's messages; the CLI prints them as kube-apiserver does (`Error: <message>`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from fakekapi.core.lazyre import LazyPattern
from fakekapi.core.strconv import parse_bool

API_ALL = "api/all"
API_GA = "api/ga"
API_BETA = "api/beta"
API_ALPHA = "api/alpha"

_GA = LazyPattern(r"v\d+")
_BETA = LazyPattern(r"v\d+beta\d+")
_ALPHA = LazyPattern(r"v\d+alpha\d+")

_MATCHERS: dict[str, Callable[[str], bool]] = {
    API_ALL: lambda version: True,
    API_GA: lambda version: _GA.fullmatch(version) is not None,
    API_BETA: lambda version: _BETA.fullmatch(version) is not None,
    API_ALPHA: lambda version: _ALPHA.fullmatch(version) is not None,
}
"""groupVersionMatchers, in groupVersionMatchersOrder (Go's `^...$` patterns)."""

GroupVersion = tuple[str, str]
GroupVersionResource = tuple[str, str, str]


class RuntimeConfigError(ValueError):
    """An invalid `--runtime-config`; the message is kube-apiserver's."""


def parse_runtime_config(values: Iterable[str]) -> dict[str, str]:
    """The ConfigurationMap of one or more `--runtime-config` values, in the order given."""
    out: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            if not item:
                continue
            key, sep, val = item.partition("=")
            out[key.strip()] = val.strip() if sep else ""
    return out


def _group_version(key: str) -> tuple[list[str], GroupVersion] | None:
    """The tokens of a `group/version[/resource]` key and its group-version; None otherwise."""
    tokens = key.split("/")
    if len(tokens) not in (2, 3):
        return None
    return tokens, (tokens[0], tokens[1])


@dataclass
class ResourceConfig:
    """storage.ResourceConfig: per group-version and per resource enablement."""

    versions: dict[GroupVersion, bool] = field(default_factory=dict)
    resources: dict[GroupVersionResource, bool] = field(default_factory=dict)
    registered: set[GroupVersion] = field(default_factory=set)
    """Every group-version the scheme knows (served or not): what --runtime-config may name."""

    def version_enabled(self, group: str, version: str) -> bool:
        return self.versions.get((group, version), False)

    def resource_enabled(self, group: str, version: str, plural: str) -> bool:
        explicit = self.resources.get((group, version, plural))
        if explicit is not None:
            return explicit
        return self.version_enabled(group, version)

    def _set_version(self, gv: GroupVersion, enabled: bool) -> None:
        # A preference about a version takes priority over the resource preferences set before.
        self.versions[gv] = enabled
        for gvr in [r for r in self.resources if r[:2] == gv]:
            del self.resources[gvr]

    def _set_matching(self, matcher: Callable[[str], bool], enabled: bool) -> None:
        for gv in list(self.versions):
            if matcher(gv[1]):
                self._set_version(gv, enabled)

    def is_group_registered(self, group: str) -> bool:
        return any(g == group for g, _ in self.registered)

    def merge(self, overrides: Mapping[str, str]) -> ResourceConfig:
        """MergeAPIResourceConfigs: a new config with `overrides` applied (RuntimeConfigError)."""
        out = ResourceConfig(dict(self.versions), dict(self.resources), set(self.registered))
        for key, matcher in _MATCHERS.items():
            if key in overrides:
                value = overrides[key]
                if value == "false":
                    out._set_matching(matcher, False)
                elif value == "true":
                    out._set_matching(matcher, True)
                else:
                    raise RuntimeConfigError(f"invalid value {key}={value}")
        version_prefs: list[tuple[GroupVersion, bool]] = []
        resource_prefs: list[tuple[GroupVersionResource, bool]] = []
        for key, value in overrides.items():
            if key in _MATCHERS:
                continue
            parsed = _group_version(key)
            if parsed is None:
                continue
            tokens, gv = parsed
            if not out.is_group_registered(gv[0]):
                continue
            if gv not in out.registered:
                gv_string = f"{gv[0]}/{gv[1]}" if gv[0] else gv[1]
                raise RuntimeConfigError(f"group version {gv_string} that has not been registered")
            enabled = True if value == "" else parse_bool(value)
            if enabled is None:
                raise RuntimeConfigError(
                    f"invalid value of {key}: {value}, err: "
                    f'strconv.ParseBool: parsing "{value}": invalid syntax'
                )
            if len(tokens) == 2:
                version_prefs.append((gv, enabled))
            else:
                if tokens[2].lower() != tokens[2]:
                    raise RuntimeConfigError(
                        f"invalid key {key}: group/version/resource and resource is always "
                        f'lowercase plural, not "{tokens[2]}"'
                    )
                resource_prefs.append(((gv[0], gv[1], tokens[2]), enabled))
        for gv, enabled in version_prefs:
            out._set_version(gv, enabled)
        for gvr, enabled in resource_prefs:
            out.resources[gvr] = enabled
        return out


def validate(overrides: Mapping[str, str], registered_groups: Iterable[str]) -> None:
    """APIEnablementOptions.Validate: raises RuntimeConfigError with kube's message."""
    if overrides.get(API_ALL) == "false" and len(overrides) == 1:
        raise RuntimeConfigError(f"invalid key with only {API_ALL}=false")
    groups: list[str] = []
    for key in overrides:
        if key in _MATCHERS:
            continue
        parsed = _group_version(key)
        if parsed is None:
            raise RuntimeConfigError(f"runtime-config invalid key {key}")
        groups.append(parsed[1][0])
    known = set(registered_groups)
    unknown = [g for g in groups if g not in known]
    if unknown:
        raise RuntimeConfigError(f"unknown api groups {','.join(unknown)}")


def apply_runtime_config(default: ResourceConfig, values: Iterable[str]) -> ResourceConfig:
    """The resource config a kube-apiserver started with these `--runtime-config` values uses."""
    overrides = parse_runtime_config(values)
    if not overrides:
        return default
    validate(overrides, {g for g, _ in default.registered})
    return default.merge(overrides)
