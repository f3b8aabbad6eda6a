"""A realistic synthetic world for parceldesk: orders, tracking webhooks and ground truth.

``generate_world`` writes, for one seed, the canonical orders import, the 17TRACK and
AfterShip webhook bodies as the providers push them (with a delivery schedule to replay
them), and ``truth.csv`` -- what really happened to every parcel -- so detectors and
claim logic can be scored against a known answer. The package imports only the standard
library and ``parceldesk.domain``.
"""

from parceldesk.sim.writer import WorldSummary, generate_world

__all__ = ["WorldSummary", "generate_world"]
