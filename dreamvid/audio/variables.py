"""The names of the audio variables a schedule formula may use (their values: table.py)."""

AUDIO_VARIABLES = ("loud", "onset", "beat", "bass", "mid", "treble", "bpm", "beat_count", "beat_phase")
