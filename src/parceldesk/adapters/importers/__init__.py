"""Readers for order and shipment exports (CSV, TSV, XLSX) of every supported platform."""
