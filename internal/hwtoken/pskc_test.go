package hwtoken

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"testing"
)

// The secret of the RFC 6030 examples (Figures 3 and 6) and the keys of Figure 6.
var (
	rfcSecret    = []byte("12345678901234567890")
	rfcPSK       = mustHex("12345678901234567890123456789012")
	rfcMACKey    = mustHex("1122334455667788990011223344556677889900")
	rfcSecretB64 = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA="
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantRFCSeed checks that seeds is the one token of the RFC 6030 examples.
func wantRFCSeed(t *testing.T, seeds []Seed) {
	t.Helper()
	if len(seeds) != 1 {
		t.Fatalf("got %d seeds, want 1", len(seeds))
	}
	s := seeds[0]
	if s.Serial != "987654321" || !bytes.Equal(s.Secret, rfcSecret) || s.Digits != 6 || s.Period != 30 || s.Algorithm != "SHA1" {
		t.Errorf("got %v secret %x, want serial 987654321, secret %x, 6 digits, 30 s, SHA1", s, s.Secret, rfcSecret)
	}
}

// RFC 6030 Figure 3 has the plain secret "12345678901234567890" and serial
// 987654321 (Figure 2 is the smaller example with secret "1234" and no serial).
// The RFC's key is HOTP; the fixture is adapted to TOTP, see its comment.
func TestParsePSKCFigure3TOTP(t *testing.T) {
	seeds, err := ParsePSKC(bytes.NewReader(readTestdata(t, "rfc6030-figure3-totp.xml")), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantRFCSeed(t, seeds)
}

// RFC 6030 Figure 2, as published, is refused: its key has no serial number.
func TestParsePSKCFigure2Refused(t *testing.T) {
	_, err := ParsePSKC(bytes.NewReader(readTestdata(t, "rfc6030-figure2.xml")), nil)
	if err == nil || !strings.Contains(err.Error(), "key package 1: no DeviceInfo/SerialNo") {
		t.Fatalf("got %v, want a missing serial error", err)
	}
}

// RFC 6030 Figure 6 as published: its bytes decrypt as the RFC says, and the
// whole file is refused because the key is HOTP.
func TestParsePSKCFigure6(t *testing.T) {
	data := readTestdata(t, "rfc6030-figure6.xml")
	c, err := decodeContainer(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.newMacer(rfcPSK)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.key, rfcMACKey) {
		t.Errorf("MAC key %x, want %x", m.key, rfcMACKey)
	}
	secret, err := m.open(c.packages[0].Keys[0].Secret, rfcPSK)
	if err != nil {
		t.Fatal(err)
	}
	if want := "3132333435363738393031323334353637383930"; hex.EncodeToString(secret) != want {
		t.Errorf("secret %x, want %s", secret, want)
	}

	_, err = ParsePSKC(bytes.NewReader(data), rfcPSK)
	if err == nil || !strings.Contains(err.Error(), `key package 1 (serial "987654321"): HOTP`) {
		t.Fatalf("got %v, want HOTP refused", err)
	}
}

// RFC 6030 Figure 6 adapted to TOTP, see the fixture's comment.
func TestParsePSKCFigure6TOTP(t *testing.T) {
	seeds, err := ParsePSKC(bytes.NewReader(readTestdata(t, "rfc6030-figure6-totp.xml")), rfcPSK)
	if err != nil {
		t.Fatal(err)
	}
	wantRFCSeed(t, seeds)
}

// Encrypted files made by the test, as RFC 6030 §6.1 describes, with each
// supported cipher and MAC.
func TestParsePSKCGenerated(t *testing.T) {
	for _, alg := range []string{"aes128-cbc", "aes192-cbc", "aes256-cbc"} {
		for _, mac := range []string{macSHA1, macSHA256} {
			t.Run(alg+"/"+mac[strings.IndexByte(mac, '#')+1:], func(t *testing.T) {
				g := newGen(t, alg, mac)
				want := []Seed{
					{Serial: "100001", Secret: rfcSecret},
					{Serial: "100002", Secret: []byte("0123456789")}, // 80 bits, the minimum
					{Serial: "100003", Secret: []byte("abcdefghijklmnopqrstuvwxyz0123456789")},
				}
				var pkgs []string
				for _, s := range want {
					pkgs = append(pkgs, g.pkg(s.Serial, s.Secret))
				}
				seeds, err := ParsePSKC(strings.NewReader(g.doc(pkgs...)), g.psk)
				if err != nil {
					t.Fatal(err)
				}
				if len(seeds) != len(want) {
					t.Fatalf("got %d seeds, want %d", len(seeds), len(want))
				}
				for i, s := range seeds {
					if s.Serial != want[i].Serial || !bytes.Equal(s.Secret, want[i].Secret) || s.Digits != 6 || s.Period != 30 || s.Algorithm != "SHA1" {
						t.Errorf("seed %d: got %v, want serial %s", i, s, want[i].Serial)
					}
				}
			})
		}
	}
}

// XML Encryption §5.2 lets padding bytes other than the last be arbitrary.
func TestParsePSKCRandomPadding(t *testing.T) {
	g := newGen(t, "aes128-cbc", macSHA1)
	padded := append(append([]byte{}, rfcSecret...), 0xde, 0xad, 0xbe, 0xef, 0x99, 0x77, 0x55, 0x33, 0x11, 0x22, 0x44, 0x0c)
	cv := g.encryptRaw(padded)
	seeds, err := ParsePSKC(strings.NewReader(g.doc(g.rawPkg("1", cv, g.mac(cv)))), g.psk)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(seeds[0].Secret, rfcSecret) {
		t.Errorf("secret %x, want %x", seeds[0].Secret, rfcSecret)
	}
}

// pskcCase is a PSKC file ParsePSKC must refuse.
type pskcCase struct {
	name string
	doc  string
	psk  []byte
	want string // in the error
	is   error  // errors.Is, if set
}

// pskcErrorCases are the files TestParsePSKCErrors checks and FuzzParsePSKC starts from.
func pskcErrorCases(t testing.TB) []pskcCase {
	// plainPkg is a good TOTP key package with a plain secret.
	plainPkg := func(serial string) string {
		return `<KeyPackage><DeviceInfo><SerialNo>` + serial + `</SerialNo></DeviceInfo>
  <Key Id="k" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
    <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
    <Data><Secret><PlainValue>` + rfcSecretB64 + `</PlainValue></Secret>
      <TimeInterval><PlainValue>30</PlainValue></TimeInterval></Data>
  </Key></KeyPackage>`
	}
	plainDoc := func(pkgs ...string) string { return (&gen{}).doc(pkgs...) }
	good := plainPkg("987654321")
	edit := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("%q not in the key package", old)
		}
		return plainDoc(strings.Replace(good, old, new, 1))
	}

	g := newGen(t, "aes128-cbc", macSHA1)
	encPkg := g.pkg("555", rfcSecret)
	cv := g.encrypt(rfcSecret)
	tampered := bytes.Clone(cv)
	tampered[len(tampered)-1] ^= 1
	badPad := g.encryptRaw(append(bytes.Clone(rfcSecret), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0)) // last byte 0
	wrongPSK := bytes.Clone(g.psk)
	wrongPSK[0] ^= 1
	fig6 := string(readTestdata(t, "rfc6030-figure6-totp.xml"))

	return []pskcCase{
		{"wrong pre-shared key", g.doc(encPkg), wrongPSK, "wrong pre-shared key", ErrIntegrity},
		{"wrong pre-shared key Figure 6", fig6, mustHex("12345678901234567890123456789013"), "wrong pre-shared key", ErrIntegrity},
		{"tampered CipherValue", g.doc(g.rawPkg("555", tampered, g.mac(cv))), g.psk, `key package 1 (serial "555"): secret: integrity check failed`, ErrIntegrity},
		{"tampered ValueMAC Figure 6", strings.Replace(fig6, "Su+NvtQf", "Su+NvtQe", 1), rfcPSK, `key package 1 (serial "987654321"): secret: integrity check failed`, ErrIntegrity},
		{"tampered MACKey", strings.Replace(fig6, "ESIzRFVm", "ESIzRFVn", 1), rfcPSK, "integrity check failed", ErrIntegrity},
		{"bad padding", g.doc(g.rawPkg("555", badPad, g.mac(badPad))), g.psk, `serial "555"): secret: bad padding`, ErrIntegrity},
		{"no pre-shared key", g.doc(encPkg), nil, "no pre-shared key was given", nil},
		{"pre-shared key of wrong size", fig6, rfcPSK[:15], "pre-shared key is 15 bytes, aes128-cbc needs 16", nil},
		{"no ValueMAC", g.doc(strings.Replace(g.rawPkg("555", cv, nil), "<ValueMAC></ValueMAC>", "", 1)), g.psk, `serial "555"): secret: no ValueMAC`, nil},
		{"no MACKey", strings.NewReplacer("<MACKey>", "<Other>", "</MACKey>", "</Other>").Replace(fig6), rfcPSK, "no MACMethod/MACKey", nil},
		{"MAC algorithm", strings.Replace(fig6, "xmldsig#hmac-sha1", "xmldsig#hmac-md5", 1), rfcPSK, "unsupported MAC algorithm", nil},
		{"cipher", strings.Replace(fig6, "aes128-cbc", "tripledes-cbc", -1), rfcPSK, "unsupported encryption algorithm", nil},
		{"derived key", strings.Replace(fig6, "<ds:KeyName>Pre-shared-key</ds:KeyName>", "<DerivedKey/>", 1), rfcPSK, "password-based", nil},
		{"HOTP", edit(":totp", ":hotp"), nil, `key package 1 (serial "987654321"): HOTP`, nil},
		{"other algorithm", edit(":totp", ":ocra"), nil, "unsupported key algorithm", nil},
		{"SHA256", edit("<ResponseFormat", "<Suite>HMAC-SHA256</Suite><ResponseFormat"), nil, `serial "987654321"): algorithm suite "HMAC-SHA256"; only HMAC-SHA1`, nil},
		{"8 digits", edit(`Length="6"`, `Length="8"`), nil, `serial "987654321"): 8 digits`, nil},
		{"no ResponseFormat", edit(`<ResponseFormat Length="6" Encoding="DECIMAL"/>`, ""), nil, "no AlgorithmParameters/ResponseFormat", nil},
		{"hexadecimal", edit("DECIMAL", "HEXADECIMAL"), nil, "only DECIMAL", nil},
		{"period 60", edit("<PlainValue>30<", "<PlainValue>60<"), nil, `serial "987654321"): period 60 s`, nil},
		{"period not a number", edit("<PlainValue>30<", "<PlainValue>x<"), nil, "TimeInterval", nil},
		{"missing serial", edit("<SerialNo>987654321</SerialNo>", ""), nil, "key package 1: no DeviceInfo/SerialNo", nil},
		{"empty serial", edit("987654321", " "), nil, "key package 1: missing serial number", nil},
		{"missing secret", edit("<Secret><PlainValue>"+rfcSecretB64+"</PlainValue></Secret>", ""), nil, `serial "987654321"): missing secret`, nil},
		{"empty secret", edit(rfcSecretB64, ""), nil, "missing secret", nil},
		{"short secret", edit(rfcSecretB64, base64.StdEncoding.EncodeToString([]byte("123456789"))), nil, "secret is 9 bytes, at least 10", nil},
		{"bad base64", edit(rfcSecretB64, "MTIz!!"), nil, "not valid base64", nil},
		{"two keys", edit("</Key>", `</Key><Key Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp"/>`), nil, "2 Key elements", nil},
		{"duplicate serial", plainDoc(plainPkg("1"), plainPkg("2"), plainPkg("1")), nil, `key package 3 (serial "1"): duplicate serial number, also in key package 1`, nil},
		{"DOCTYPE", strings.Replace(plainDoc(good), "<KeyContainer", "<!DOCTYPE KeyContainer>\n<KeyContainer", 1), nil, "DOCTYPE", nil},
		{"entity", strings.Replace(plainDoc(good), "<KeyContainer", `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`+"\n<KeyContainer", 1), nil, "DOCTYPE", nil},
		{"DOCTYPE inside", edit("<Data>", "<!DOCTYPE x><Data>"), nil, "DOCTYPE", nil},
		{"no keys", plainDoc(), nil, "no key packages", nil},
		{"empty", "", nil, "no root element", nil},
		{"not XML", "serial,secret\n1,GEZDGNBVGY3TQOJQ\n", nil, "malformed", nil},
		{"wrong root", `<KeyContainer Version="1.0">` + good + `</KeyContainer>`, nil, "not a PSKC file", nil},
		{"version", strings.Replace(plainDoc(good), `Version="1.0"`, `Version="2.0"`, 1), nil, `PSKC version "2.0"`, nil},
		{"element after root", plainDoc(good) + "<KeyPackage/>", nil, "element after KeyContainer", nil},
		{"truncated", plainDoc(good)[:200], nil, "malformed", nil},
	}
}

func TestParsePSKCErrors(t *testing.T) {
	for _, tt := range pskcErrorCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			seeds, err := ParsePSKC(strings.NewReader(tt.doc), tt.psk)
			wantRefused(t, seeds, err, tt.want)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %q, want errors.Is %v", err, tt.is)
			}
			noSecretIn(t, err, rfcSecret)
		})
	}
}

// wantRefused fails unless a parse gave no seeds and an error containing want.
func wantRefused(t *testing.T, seeds []Seed, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got %d seeds, want an error with %q", len(seeds), want)
	}
	if seeds != nil {
		t.Errorf("got seeds with an error")
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("got %q, want it to contain %q", err, want)
	}
}

// noSecretIn fails if err shows secret in any of the forms files hold it in.
func noSecretIn(t *testing.T, err error, secret []byte) {
	t.Helper()
	msg := strings.ToLower(err.Error())
	for _, form := range []string{
		string(secret),
		hex.EncodeToString(secret),
		base64.StdEncoding.EncodeToString(secret),
		(Seed{Secret: secret}).Base32(),
	} {
		if strings.Contains(msg, strings.ToLower(form)) {
			t.Errorf("error %q contains the secret", err)
		}
	}
}

func TestParsePSKCTooLarge(t *testing.T) {
	lowerMaxFileSize(t)
	r := io.MultiReader(strings.NewReader(`<KeyContainer Version="1.0" xmlns="`+pskcNS+`">`), endless("<!-- padding -->\n"))
	_, err := ParsePSKC(r, nil)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestParsePSKCTooManyKeys(t *testing.T) {
	doc := (&gen{}).doc(strings.Repeat("<KeyPackage/>", MaxSeeds+1))
	_, err := ParsePSKC(strings.NewReader(doc), nil)
	if err == nil || !strings.Contains(err.Error(), "more than 100000 key packages") {
		t.Fatalf("got %v, want too many keys", err)
	}
}

// lowerMaxFileSize lowers the size limit to 1 MiB for the test, so that it runs
// fast; TestLimitReader checks the real one.
func lowerMaxFileSize(t *testing.T) {
	maxFileSize = 1 << 20
	t.Cleanup(func() { maxFileSize = MaxFileSize })
}

func TestLimitReader(t *testing.T) {
	n, err := io.Copy(io.Discard, newLimitReader(io.LimitReader(endless(strings.Repeat("x", 4096)), MaxFileSize)))
	if n != MaxFileSize || err != nil {
		t.Errorf("a file of MaxFileSize: read %d bytes, error %v", n, err)
	}
	_, err = io.Copy(io.Discard, newLimitReader(io.LimitReader(endless(strings.Repeat("x", 4096)), MaxFileSize+1)))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file of MaxFileSize+1 bytes: got %v, want ErrTooLarge", err)
	}
}

// endless repeats s for ever.
type endless string

func (e endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e)
	}
	return n, nil
}

// gen writes PSKC files with secrets encrypted as RFC 6030 §6.1 describes:
// AES-CBC under a pre-shared key, CipherValue = IV || ciphertext (PKCS#7
// padded), ValueMAC = HMAC(MAC key, CipherValue), and the MAC key itself
// encrypted under the pre-shared key.
type gen struct {
	t       testing.TB
	encAlg  string // XML Encryption URI
	macAlg  string // XML Signature URI
	psk     []byte
	macKey  []byte
	macHash func() hash.Hash
}

func newGen(t testing.TB, alg, macAlg string) *gen {
	g := &gen{t: t, encAlg: "http://www.w3.org/2001/04/xmlenc#" + alg, macAlg: macAlg}
	g.psk = randBytes(t, aesCBCKeySize[g.encAlg])
	g.macKey = randBytes(t, 20)
	g.macHash = sha1.New
	if macAlg == macSHA256 {
		g.macHash = sha256.New
	}
	return g
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// encrypt returns IV || AES-CBC(PKCS#7(plain)).
func (g *gen) encrypt(plain []byte) []byte {
	n := aes.BlockSize - len(plain)%aes.BlockSize
	return g.encryptRaw(append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n)}, n)...))
}

// encryptRaw returns IV || AES-CBC(padded), padded being whole blocks.
func (g *gen) encryptRaw(padded []byte) []byte {
	block, err := aes.NewCipher(g.psk)
	if err != nil {
		g.t.Fatal(err)
	}
	out := randBytes(g.t, aes.BlockSize+len(padded))
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], padded)
	return out
}

func (g *gen) mac(cipherValue []byte) []byte {
	h := hmac.New(g.macHash, g.macKey)
	h.Write(cipherValue)
	return h.Sum(nil)
}

// pkg is a TOTP key package with secret encrypted.
func (g *gen) pkg(serial string, secret []byte) string {
	cv := g.encrypt(secret)
	return g.rawPkg(serial, cv, g.mac(cv))
}

func (g *gen) rawPkg(serial string, cipherValue, mac []byte) string {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf(`
  <KeyPackage>
    <DeviceInfo><Manufacturer>Test</Manufacturer><SerialNo>%s</SerialNo></DeviceInfo>
    <Key Id="%[1]s" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
      <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret>
          <EncryptedValue>
            <xenc:EncryptionMethod Algorithm="%s"/>
            <xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData>
          </EncryptedValue>
          <ValueMAC>%s</ValueMAC>
        </Secret>
        <TimeInterval><PlainValue>30</PlainValue></TimeInterval>
      </Data>
    </Key>
  </KeyPackage>`, serial, g.encAlg, b64(cipherValue), b64(mac))
}

// doc is a key container around pkgs; with an encryption algorithm set it has
// the EncryptionKey and the MACMethod with the encrypted MAC key.
func (g *gen) doc(pkgs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">`)
	if g.encAlg != "" {
		fmt.Fprintf(&b, `
  <EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>
  <MACMethod Algorithm="%s">
    <MACKey>
      <xenc:EncryptionMethod Algorithm="%s"/>
      <xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData>
    </MACKey>
  </MACMethod>`, g.macAlg, g.encAlg, base64.StdEncoding.EncodeToString(g.encrypt(g.macKey)))
	}
	for _, p := range pkgs {
		b.WriteString(p)
	}
	b.WriteString("\n</KeyContainer>\n")
	return b.String()
}
