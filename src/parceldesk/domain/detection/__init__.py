"""Exception detection: detectors (pure functions) and the learned dwell model.

``dwell`` says how the model works and why; ``fitting`` builds it from event histories;
``detectors`` turn a parcel's state into exceptions a support agent can read.
"""

from parceldesk.domain.detection.detectors import DetectionConfig, detect, loss_assessment
from parceldesk.domain.detection.dwell import (
    DwellConfig,
    DwellModel,
    LossAssessment,
    group_path,
    stage_of,
)
from parceldesk.domain.detection.fitting import DwellModelBuilder
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
