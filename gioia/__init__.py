"""gioia: Gioia-method qualitative analysis of interview transcripts."""

__version__ = "0.1.0"
