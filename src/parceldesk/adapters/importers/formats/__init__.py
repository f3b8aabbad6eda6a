"""One module per export layout; ``registry.FORMATS`` lists them for auto-detection."""
