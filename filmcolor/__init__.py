"""filmcolor: colorize a black-and-white film by learning from its own hand-colorized release."""

__version__ = "0.1.0"
