"""Domains for nested inference: the protocols and the Construction domain."""

from nestlab.nested.domains.base import Domain, HypothesisModel
from nestlab.nested.domains.construction import Construction, ConstructionConfig, ConstructionState

__all__ = ["Construction", "ConstructionConfig", "ConstructionState", "Domain", "HypothesisModel"]
