"""How results are shown: labels in English and Norwegian, number formats, colours, figures drawn
from output files, and the dashboard."""
