"""Tracking-provider adapters: 17TRACK, AfterShip and the simple events CSV.

Each provider is a package with a *mapping* module (pure tables from the provider's codes
to the canonical taxonomy, in the karrio ``units.py`` style) and a *parser* (bytes in,
:class:`~parceldesk.services.tracking_records.TrackingUpdate` out, no I/O), plus webhook
signature checks and, for 17TRACK, an HTTP client. Providers never import each other;
what they share lives in :mod:`.common` and :mod:`.timezones`. Sources for every format
are listed in ``docs/tracking-sources.md``.
"""
