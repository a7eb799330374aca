"""Quality inspection (质检): automatic checks from the audio, scoring forms, sampling, scores, appeals."""
