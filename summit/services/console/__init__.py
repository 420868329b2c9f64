"""The organisers' console: accounts and sign-in, the audit trail, the dashboard, exports, input."""
