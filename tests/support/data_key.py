"""A fixed Fernet key for tests that start the app as production (which refuses to start without DATA_KEY)."""
TEST_DATA_KEY = "_Sx6Q-_-Zk9KgyxY-H8gr_UhTWO1d7faqCET5dKU53Y="
