package journal

import "vardag/syncengine"

// Handlers are the journal's mutations by name, for the server to register.
func Handlers() map[string]syncengine.Handler {
	return map[string]syncengine.Handler{
		MutationNoteAdd:     NoteAdd(),
		MutationNoteCorrect: NoteCorrect(),
		MutationClose:       Close(),
	}
}
