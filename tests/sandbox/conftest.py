from bot.sandbox.pytest_plugin import *  # noqa: F403
