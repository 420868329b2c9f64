"""Who may come: the summit's registration mode, each delegate's accreditation, protocol levels."""
