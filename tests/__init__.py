import sys

# Where PYTHONDONTWRITEBYTECODE is set, as CI images often do, each test worker and each bot
# process a test starts would compile the project and its libraries from source again (the
# test command installs them without compiling them): seconds each. The suite writes the
# bytecode cache as it imports, and the processes it starts read it.
sys.dont_write_bytecode = False
