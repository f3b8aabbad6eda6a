"""parceldesk: detect, confirm, evidence and claim lost, stuck and damaged parcels."""

__version__ = "0.1.0"
