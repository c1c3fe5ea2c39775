package passwords

import "strconv"

// Hand-written Swedish additions to the list: the words people in Swedish
// home care reach for first when asked for a new password. Each word appears
// with and without å, ä and ö, because many type "a" and "o" instead.
// Entries shorter than MinLength are dropped when the list is built.
var (
	// seasons are combined with the years below: "sommar2024", "vår2025!", "vinter24".
	seasons = []string{"vår", "var", "sommar", "höst", "host", "vinter"}

	// months are combined with the years below: "augusti2024".
	months = []string{"januari", "februari", "mars", "april", "maj", "juni",
		"juli", "augusti", "september", "oktober", "november", "december"}

	// yearWords are also combined with the years: "lösenord2025".
	yearWords = []string{"lösenord", "losenord", "hemtjänst", "hemtjanst", "vardag"}

	// words get the usual endings in suffixes: "hemtjanst123", "vardag!".
	words = []string{
		// This service and its work.
		"vardag", "vardagen", "lösenord", "losenord", "lösen", "losen",
		"hemtjänst", "hemtjanst", "hemtjänsten", "hemtjansten",
		"omsorg", "omsorgen", "äldreomsorg", "aldreomsorg",
		"hemvård", "hemvard", "hemsjukvård", "hemsjukvard",
		"undersköterska", "underskoterska", "vårdbiträde", "vardbitrade",
		"brukare", "kommun", "kommunen", "region", "arbete", "jobbet",
		"välkommen", "valkommen", "hejhej", "hejsan", "tjenare",
		// Towns.
		"sverige", "stockholm", "göteborg", "goteborg", "malmö", "malmo",
		"uppsala", "västerås", "vasteras", "örebro", "orebro",
		"linköping", "linkoping", "helsingborg", "jönköping", "jonkoping",
		"norrköping", "norrkoping", "umeå", "umea", "gävle", "gavle",
		"sundsvall", "eskilstuna", "karlstad", "växjö", "vaxjo",
		// Everyday words.
		"sommar", "vinter", "midsommar", "julafton", "semester", "fredag",
		"kaffe", "fika", "kärlek", "karlek", "älskling", "alskling",
		"jagälskardig", "jagalskardig", "mamma", "pappa", "familjen",
		"hunden", "katten", "fotboll", "ishockey", "blåvitt", "blavitt",
		"djurgården", "djurgarden", "hammarby",
	}

	// suffixes are the endings added to words; "" keeps the word alone.
	suffixes = []string{"", "1", "123", "!"}

	// keyboard holds Swedish keyboard walks and other patterns.
	keyboard = []string{
		"qwertyuiopå", "qwertyuiopå¨", "asdfghjklöä", "asdfghjkloa",
		"zxcvbnm,.-", "1q2w3e4r", "1q2w3e4r5t", "qwerty123", "qwerty1234",
		"123456789", "12345678", "1234567890", "87654321", "abc12345",
		"åäöåäöåä", "aaoaaoaa", "password1", "password123",
	}
)

// First and last year combined with seasons, months and yearWords.
const firstYear, lastYear = 2015, 2030

// swedish generates the Swedish additions. It may return duplicates and
// entries that are also in common.txt or shorter than MinLength.
func swedish() []string {
	out := append([]string(nil), keyboard...)
	for y := firstYear; y <= lastYear; y++ {
		yyyy := strconv.Itoa(y)
		yy := yyyy[2:]
		for _, s := range seasons {
			out = append(out, s+yyyy, s+yyyy+"!", s+yy)
		}
		for _, m := range months {
			out = append(out, m+yyyy)
		}
		for _, w := range yearWords {
			out = append(out, w+yyyy)
		}
	}
	for _, w := range words {
		for _, s := range suffixes {
			out = append(out, w+s)
		}
	}
	return out
}
