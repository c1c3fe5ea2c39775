package testserver

import (
	"context"
	"fmt"
	"time"

	"vardag/internal/clients"
	"vardag/internal/demo"
	"vardag/internal/identity"
	"vardag/internal/journal"
	"vardag/internal/reference"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// The big municipality's size.
const (
	bigUnits       = 4
	bigClients     = 200
	bigNotesPerDay = 1.02 // about one note a day per client
	bigDays        = 730
)

// SeedBigMunicipality adds the big initial sync's municipality: four units, a coordinator
// of all four ("samordnare"), 200 clients and two years of notes written by staff of each
// unit, about 150,000 records, straight through the engine (as an import would). It
// returns how many records the coordinator can see. The server benchmark and the phone
// app's benchmark both sync it.
func (s *Server) SeedBigMunicipality() int {
	b := s.t
	units := make([]string, bigUnits)
	for i := range units {
		units[i] = uuids.Named(fmt.Sprintf("bench/unit/%d", i))
		if err := s.Identity.PutUnit(identity.Unit{ID: units[i], ProviderID: demo.OwnProviderID, Name: fmt.Sprintf("Hemtjänst Bänk %d", i+1)}); err != nil {
			b.Fatal(err)
		}
	}
	s.AddUser("samordnare", units[0], identity.RoleCoordinator, s.Clock.Now().Add(24*time.Hour))
	for i, u := range units[1:] {
		if err := s.Identity.PutGrant(identity.Grant{ID: fmt.Sprint("bench-grant-", i), UserID: demo.UserID("samordnare"), UnitID: u,
			Role: identity.RoleCoordinator, ValidUntil: s.Clock.Now().Add(24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	records := 0 // what the coordinator sees: the clients and the notes of the four units
	clientIDs := make([]string, bigClients)
	err := s.Engine.Do(ctx, func(tx *syncengine.Tx) error {
		for i := range clientIDs {
			clientIDs[i] = uuids.Named(fmt.Sprint("bench/client/", i))
			c := clients.Client{ClientID: clientIDs[i], Name: fmt.Sprintf("Brukare %03d", i), PersonalID: demo.PersonalNumber("19400101", i),
				UnitID: units[i%bigUnits], Address: fmt.Sprintf("Bänkgatan %d", i), JournalOpen: true}
			if err := clients.Put(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	records += bigClients
	notes := int(bigClients * bigDays * bigNotesPerDay)
	start := s.Clock.Now().AddDate(-2, 0, 0)
	staff := []string{uuids.Named("bench/staff/1"), uuids.Named("bench/staff/2"), uuids.Named("bench/staff/3")}
	texts := []string{
		"Hjälpte till med morgonhygien och påklädning. Brukaren var pigg och åt frukost med god aptit.",
		"Delade ut kvällsmedicin enligt signeringslistan. Brukaren klagade på ont i höger knä, meddelat sjuksköterskan.",
		"Promenad runt kvarteret i 20 minuter. Brukaren ville gärna prata om sitt gamla arbete på varvet.",
		"Städning av kök och badrum. Bytte sängkläder. Brukaren trött idag, sov middag.",
	}
	for done := 0; done < notes; {
		err := s.Engine.Do(ctx, func(tx *syncengine.Tx) error {
			for k := 0; k < 5000 && done < notes; k++ {
				client := done % bigClients
				at := start.Add(time.Duration(done/bigClients) * 24 * time.Hour).Add(time.Duration(client%12) * time.Hour)
				note := journal.Note{
					NoteAddArgs: journal.NoteAddArgs{NoteID: uuids.New(), ClientID: clientIDs[client],
						Heading: "Besök", Keywords: []string{"Omvårdnad"}, Text: texts[done%len(texts)], OccurredAt: at},
					NoteServerFields: journal.NoteServerFields{UnitID: units[client%bigUnits], AuthorID: staff[client%len(staff)],
						AuthorRole: identity.RoleCareStaff, ClientTime: at, ServerTime: at.Add(time.Minute)},
				}
				if err := tx.Put(journal.KindNote, note.NoteID, []string{identity.UnitScope(units[client%bigUnits])}, note); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// and the municipality's reference lists, which everyone in it receives.
	return records + notes + len(reference.Defaults())
}
