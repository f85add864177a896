"""The shared kernel: small building blocks every context uses. It imports no context."""
