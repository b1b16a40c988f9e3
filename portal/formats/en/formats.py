# English pages show dates as Vietnamese clerks write them too: dd/mm/yyyy.
from portal.formats.vi.formats import *  # noqa: F403
