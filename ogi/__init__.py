"""ogi: China's open-government-information annual reports as a clean, audited dataset."""
__version__ = "0.1.0"
