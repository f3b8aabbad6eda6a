"""Direct carrier tracking (USPS, UPS, FedEx, DHL) through karrio -- optional extra.

``pip install 'parceldesk[carriers]'`` brings karrio and its carrier packages. Nothing
here imports karrio at import time: :mod:`.mapping` is pure (karrio's normalised model
-> the canonical taxonomy, with karrio's local-time-stamped-"Z" bug fixed from the
carrier's raw offsets) and :mod:`.poller` imports karrio on first use.
"""

from parceldesk.adapters.tracking.karrio_carriers.poller import (
    INSTALL_HINT,
    KarrioNotInstalled,
    KarrioPoller,
    settings_from_env,
)

__all__ = ["INSTALL_HINT", "KarrioNotInstalled", "KarrioPoller", "settings_from_env"]
