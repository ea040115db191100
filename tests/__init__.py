import sys

# Where PYTHONDONTWRITEBYTECODE is set, as CI images often do, each test worker and each bot
# process a test starts would compile the whole project from source again: about a second
# each. The suite writes the bytecode cache, which those processes then read.
sys.dont_write_bytecode = False
