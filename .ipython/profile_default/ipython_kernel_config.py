# Loaded by every kernel the Makefile starts (IPYTHONDIR points here).
# ipykernel >= 6 captures file-descriptor output, so TensorFlow's C++ log lines land in
# cell outputs and break nbval's comparisons; keep them on the terminal instead.
c = get_config()  # noqa: F821
c.IPKernelApp.capture_fd_output = False
