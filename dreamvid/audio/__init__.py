"""Music for schedules: a soundtrack decoded, analysed once, and its values tabled per output frame."""

from dreamvid.exports import lazy_exports

EXPORTS = {
    "Soundtrack": "dreamvid.audio.decode",
    "decode_audio": "dreamvid.audio.decode",
    "check_soundtrack": "dreamvid.audio.decode",
    "AudioFeatures": "dreamvid.audio.features",
    "analyse": "dreamvid.audio.features",
    "require_librosa": "dreamvid.audio.features",
    "AudioTable": "dreamvid.audio.table",
    "AUDIO_VARIABLES": "dreamvid.audio.variables",
    "soundtrack_table": "dreamvid.audio.table",
    "track_table": "dreamvid.audio.table",
    "plot_features": "dreamvid.audio.plot",
    "write_features": "dreamvid.audio.plot",
    "audio_table": "dreamvid.audio.table",
}
__all__ = sorted(EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
