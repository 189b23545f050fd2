"""The ``motionkit demo`` gallery: each plugin contributes sections through ``register_demo_sections``."""
from .section import DemoSection

__all__ = ["DemoSection"]
