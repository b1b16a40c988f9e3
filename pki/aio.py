"""pyHanko's synchronous API calls asyncio.run(), which refuses to run inside a thread that already
runs an event loop (an async caller, or Playwright driving a browser in the tests). Such calls go
through `call`, which then runs them on a short-lived thread of their own."""

import asyncio
import threading


def call(function, *args, **kwargs):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread below
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="pyhanko-call")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
