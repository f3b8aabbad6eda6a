"""Exception detection: detectors (pure functions) and the learned dwell model.

See docs/adr/0004-exception-detection.md for why it is built this way.
"""

from parceldesk.domain.detection.detectors import DetectionConfig, detect, loss_assessment
from parceldesk.domain.detection.dwell import (
    DwellConfig,
    DwellModel,
    DwellModelBuilder,
    LossAssessment,
    group_path,
    stage_of,
)
from parceldesk.domain.detection.types import (
    BuyerReport,
    DetectedException,
    ExceptionKind,
    ShipmentSnapshot,
)

__all__ = [
    "BuyerReport",
    "DetectedException",
    "DetectionConfig",
    "DwellConfig",
    "DwellModel",
    "DwellModelBuilder",
    "ExceptionKind",
    "LossAssessment",
    "ShipmentSnapshot",
    "detect",
    "group_path",
    "loss_assessment",
    "stage_of",
]
