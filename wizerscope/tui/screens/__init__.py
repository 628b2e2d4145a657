"""The inspector's screens: the main screen and a small family of modal dialogs."""
