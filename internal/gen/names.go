package gen

// Curated Indonesian names. Lists are split by group and by generation
// because names in Jakarta say a lot about when and where a person was born:
// a "Sutrisno" is rarely under forty, a "Nayla" rarely over thirty. Entries
// may hold more than one word ("Sri Wahyuni"): many given names come in
// fixed pairs.

// ethnic is one naming tradition found in Jakarta.
type ethnic struct {
	name   string
	weight int // share of Jakarta households, in per mille

	maleOld, maleYoung     []string
	femaleOld, femaleYoung []string
	// second given names, added after the first for those with two names
	maleSecond, femaleSecond []string
	// family names that children inherit from their father (Batak marga,
	// Chinese-Indonesian and Arab-Indonesian surnames); nil where there are none
	family []string
	// muslim is the share of households, in per cent, that are Muslim: it
	// decides H./Hj., Muhammad and Siti.
	muslim int
	// single is the share, in per cent, of people born before 1980 who have
	// one name only
	single int
	// origin lists regency codes of the home region, where migrants are
	// registered when their NIK is not from Jakarta
	origin []string
}

var javanese = ethnic{
	name: "jawa", weight: 380, muslim: 95, single: 45,
	maleOld: []string{"Sutrisno", "Suparman", "Sugiyono", "Slamet", "Bambang", "Joko", "Agus", "Budi",
		"Eko", "Dwi", "Tri", "Hadi", "Wahyu", "Heru", "Sumarno", "Suharto", "Paijo", "Tukiman", "Paiman",
		"Karno", "Darmaji", "Mulyono", "Purnomo", "Supriyadi", "Sunarto", "Wagiman", "Sarjono", "Teguh",
		"Hartono", "Widodo", "Yulianto", "Haryanto", "Sugeng", "Kuswanto", "Triyono", "Suwarno",
		"Sudarsono", "Suyatno", "Wahyudi", "Purwanto", "Riyanto", "Maryono", "Parno", "Giyanto",
		"Darsono", "Sukirno", "Subagyo", "Sumadi", "Waluyo", "Edi", "Warsito", "Ngadimin"},
	maleYoung: []string{"Dimas", "Bayu", "Galih", "Yoga", "Aji", "Bagas", "Wisnu", "Arya", "Satria",
		"Bima", "Damar", "Adit", "Anggoro", "Danang"},
	femaleOld: []string{"Sri Wahyuni", "Sri Rahayu", "Sumarni", "Suwarni", "Sutinah", "Parmi", "Ngatini",
		"Tukinem", "Painem", "Sumiati", "Suprihatin", "Endang", "Yuli", "Rini", "Tuti", "Wartini",
		"Sulastri", "Kartini", "Suharti", "Lestari", "Purwanti", "Sriyati", "Murni", "Darmi", "Tumini",
		"Sukarti", "Sunarsih", "Rusmini", "Ngadiyem", "Jumiati", "Sri Mulyani", "Dwi Astuti",
		"Tri Wahyuni", "Retno", "Ratna", "Wulan", "Indah", "Yanti", "Sulistyowati", "Widyaningsih",
		"Setyowati", "Astuti", "Marsini", "Suparmi", "Wagiyem", "Sri Lestari", "Endah"},
	femaleYoung: []string{"Ayu", "Laras", "Dewi", "Sekar", "Gendis", "Ratih", "Kinanti", "Galuh", "Wulan",
		"Anjani", "Pertiwi", "Puspita"},
	maleSecond: []string{"Santoso", "Susilo", "Wibowo", "Nugroho", "Prasetyo", "Setiawan", "Kurniawan",
		"Hidayat", "Purnomo", "Saputro", "Wijaya", "Utomo", "Raharjo", "Sulistyo", "Handoko",
		"Pamungkas", "Subekti", "Widodo", "Haryanto", "Prabowo"},
	femaleSecond: []string{"Rahayu", "Lestari", "Handayani", "Wahyuni", "Astuti", "Susanti", "Rahmawati",
		"Puspitasari", "Kusumawati", "Setyaningsih", "Purwaningsih", "Widyastuti", "Utami", "Suryani"},
	origin: []string{"33.29", "33.28", "33.27", "33.02", "33.05", "33.10", "33.12", "33.26"},
}

var betawi = ethnic{
	name: "betawi", weight: 260, muslim: 99, single: 50,
	maleOld: []string{"Rojali", "Sabeni", "Juhri", "Mamat", "Naman", "Zaenal", "Bokir", "Ma'ruf",
		"Saipul", "Jaelani", "Sarmili", "Sanusi", "Mursid", "Rahmat", "Ridwan", "Salim", "Sarbini",
		"Muhidin", "Abdul Rojak", "Abdul Gani", "Nurhasan", "Samsudin", "Sueb", "Jaenudin", "Mahmud",
		"Rusdi", "Syahroni", "Madun", "Hasbi", "Romli", "Sapri", "Marzuki", "Jamhari", "Napis",
		"Sa'aman", "Ucup", "Mulyadi", "Nasrudin", "Haerudin", "Kadir", "Amsar", "Suhaimi"},
	maleYoung: []string{"Rizky", "Fajar", "Farhan", "Ilham", "Fikri", "Haikal", "Zidan", "Daffa",
		"Akbar", "Rayhan"},
	femaleOld: []string{"Romlah", "Masitoh", "Ipah", "Aminah", "Hasanah", "Mumun", "Rohaya", "Saodah",
		"Maesaroh", "Juleha", "Munah", "Mardiyah", "Mariam", "Rohmah", "Nurlela", "Halimah", "Hindun",
		"Nursiah", "Zubaedah", "Jamilah", "Saidah", "Nafisah", "Fatmawati", "Rukiyah", "Sarmi",
		"Enah", "Inah", "Icih", "Mimin", "Mursidah", "Kholifah", "Marfu'ah", "Rodiah", "Zaenab"},
	femaleYoung: []string{"Nabila", "Syifa", "Salma", "Najwa", "Aulia", "Zahra", "Khansa", "Humaira"},
	maleSecond: []string{"Hidayat", "Firdaus", "Ramadhan", "Maulana", "Syarif", "Hasan", "Saputra",
		"Fauzi", "Hakim", "Rahman"},
	femaleSecond: []string{"Hasanah", "Fauziah", "Rahmawati", "Nurjanah", "Solihah", "Mardiyah",
		"Hidayah", "Fitriani"},
	origin: []string{"32.75", "32.76", "32.16", "36.71", "36.74", "36.03"},
}

var sundanese = ethnic{
	name: "sunda", weight: 150, muslim: 98, single: 35,
	maleOld: []string{"Asep", "Ujang", "Dadang", "Cecep", "Dedi", "Deden", "Yayan", "Aceng", "Ade",
		"Dede", "Encep", "Jajang", "Usep", "Ajat", "Iwan", "Tatang", "Wawan", "Cahya", "Engkus", "Oman",
		"Ruhiyat", "Sopyan", "Hendar", "Entis", "Dudung", "Kosasih", "Ohim", "Acep", "Dodi", "Maman",
		"Nanang", "Ujang Suryana", "Eman", "Atang", "Didin", "Undang", "Enjang", "Agus Salim"},
	maleYoung: []string{"Rangga", "Galang", "Raka", "Cakra", "Gilang", "Ilyas", "Rian"},
	femaleOld: []string{"Euis", "Neneng", "Iis", "Enok", "Entin", "Teti", "Nining", "Cucu", "Elis",
		"Imas", "Yeni", "Tati", "Nenden", "Ai", "Lilis", "Dedeh", "Ela", "Eti", "Nani", "Popon", "Uum",
		"Yoyoh", "Rina", "Oneng", "Enung", "Titin", "Cicih", "Nunung", "Eneng", "Ipit", "Onah", "Aan"},
	femaleYoung: []string{"Rara", "Sinta", "Dinda", "Sarah", "Nisa", "Nurul"},
	maleSecond: []string{"Saepudin", "Supriatna", "Sunarya", "Rohendi", "Kurnia", "Suryana", "Hermawan",
		"Permana", "Sukmana", "Rusmana", "Nurjaman", "Setiadi", "Kusnadi", "Mulyana", "Sumpena",
		"Sutisna", "Sobari", "Rustandi"},
	femaleSecond: []string{"Komariah", "Rohaeti", "Kurniasih", "Suryani", "Nurhayati", "Rosita", "Mulyani",
		"Hasanah", "Sumiati", "Marlina", "Rostika", "Sundari", "Jubaedah", "Rukmini", "Sukaesih"},
	origin: []string{"32.01", "32.03", "32.05", "32.02", "32.73", "32.09"},
}

var chinese = ethnic{
	name: "tionghoa", weight: 60, muslim: 5, single: 5,
	maleOld: []string{"Budi", "Hendra", "Stefanus", "Hendrik", "Yohanes", "Andreas", "Fransiskus",
		"Willy", "Johan", "Sugiarto", "Agus", "Rudy", "Tommy", "Jimmy", "Edward", "Robert", "Hengky",
		"Tedy", "Susanto", "Sudarmo", "Eddy", "Harry", "Benny", "Alex", "Iwan", "Sofyan", "Yanto",
		"Sutanto", "Anton"},
	maleYoung: []string{"Kevin", "Felix", "Vincent", "Steven", "Michael", "Daniel", "William",
		"Jonathan", "Christopher", "Nicholas", "Ryan", "Jason", "Calvin", "Marcel", "Darren", "Evan"},
	femaleOld: []string{"Lily", "Lanny", "Yenny", "Linda", "Susanti", "Melinda", "Wenny", "Lisa",
		"Elisabeth", "Meiliana", "Fenny", "Herlina", "Yuliana", "Lani", "Sumiati", "Erna", "Lenny",
		"Juliana", "Maria", "Tjoe Lan"},
	femaleYoung: []string{"Jessica", "Cynthia", "Stefani", "Natalia", "Veronika", "Vivian", "Grace",
		"Angeline", "Felicia", "Michelle", "Cindy", "Sherly", "Monica", "Christine", "Clarissa",
		"Audrey", "Jennifer", "Stephanie", "Valencia"},
	family: []string{"Wijaya", "Gunawan", "Halim", "Salim", "Kusuma", "Santoso", "Hartono", "Setiawan",
		"Tanuwijaya", "Tanoto", "Wibowo", "Tjandra", "Sutanto", "Susanto", "Kurniawan", "Hadinata",
		"Lukito", "Wirawan", "Tanudjaja", "Gozali", "Widjaja", "Tjahjadi", "Lim", "Tan", "Liem",
		"Sugianto", "Hidayat", "Chandra", "Sanjaya", "Tirtawijaya"},
	origin: []string{"12.71", "32.73", "61.72", "36.71"},
}

var batak = ethnic{
	name: "batak", weight: 50, muslim: 35, single: 0,
	maleOld: []string{"Tigor", "Poltak", "Parulian", "Togar", "Hotman", "Maruli", "Sahat", "Binsar",
		"Rudi", "Jonny", "Bonar", "Horas", "Darwin", "Martua", "Sihol", "Robert", "Hendrik", "Tumpal",
		"Pardamean", "Mangasi", "Jhonson", "Frans", "Ronald", "Benny", "Marihot", "Halomoan", "Sabar",
		"Jansen", "Washington", "Lamhot"},
	maleYoung: []string{"Samuel", "Yosua", "Daniel", "Immanuel", "Gabriel", "Kristian", "Reinhard",
		"Timotius", "Josua"},
	femaleOld: []string{"Rosmawati", "Tiurma", "Rumondang", "Dameria", "Lamria", "Hotmaida", "Sondang",
		"Rosdiana", "Lasma", "Nurmaida", "Rotua", "Mariana", "Herlina", "Tetty", "Junita", "Rosita",
		"Elfrida", "Ruth", "Maria", "Tiamsa", "Rosminta", "Ramauli", "Lenny", "Nurhaida"},
	femaleYoung: []string{"Yohana", "Debora", "Agnes", "Grace", "Cristina", "Theresia", "Lidya",
		"Priskila"},
	family: []string{"Simanjuntak", "Siregar", "Nasution", "Harahap", "Lubis", "Hutapea", "Sitompul",
		"Panjaitan", "Pardede", "Sinaga", "Silalahi", "Tambunan", "Manurung", "Situmorang",
		"Simatupang", "Hasibuan", "Pohan", "Napitupulu", "Hutagalung", "Sianturi", "Purba", "Saragih",
		"Damanik", "Sihombing", "Marpaung", "Gultom", "Pasaribu", "Tampubolon", "Sitorus",
		"Butarbutar"},
	origin: []string{"12.71", "12.02", "12.12"},
}

// mandailing marga are mostly Muslim families; the others mostly Christian.
var mandailing = map[string]bool{"Nasution": true, "Harahap": true, "Lubis": true, "Siregar": true,
	"Hasibuan": true, "Pohan": true}

var minang = ethnic{
	name: "minang", weight: 50, muslim: 99, single: 45,
	maleOld: []string{"Afrizal", "Zulkifli", "Syafrizal", "Yusrizal", "Hendri", "Rizal", "Irwan", "Zainal",
		"Yulizar", "Erwin", "Darmawan", "Efendi", "Nasrul", "Asril", "Azwar", "Jasman", "Syahrial",
		"Arman", "Yondri", "Zulfikar", "Fadli", "Ferdi", "Nofrizal", "Jufri", "Masrul", "Bustami",
		"Syamsul Bahri", "Yunaldi", "Dasril", "Edwar"},
	maleYoung: []string{"Rafi", "Fauzan", "Hafiz", "Ikhsan", "Aidil", "Fadhil"},
	femaleOld: []string{"Yusnimar", "Nurhayati", "Yulia", "Elvira", "Yusniar", "Rosmaini", "Desmawati",
		"Yenni", "Rahmi", "Fitri", "Mardiana", "Syafnidar", "Yuliarni", "Delvita", "Erni", "Afnita",
		"Yusmaniar", "Zuraida", "Nelly", "Yetti", "Rosnidar", "Asnimar", "Darnelis", "Nurbaiti"},
	femaleYoung: []string{"Annisa", "Rahma", "Fadhilah", "Syafira", "Nadhifa", "Zhafira"},
	maleSecond: []string{"Chaniago", "Piliang", "Tanjung", "Koto", "Sikumbang", "Jambak", "Putra",
		"Syahputra", "Efendi", "Hamdani"},
	femaleSecond: []string{"Fitri", "Yanti", "Novita", "Sari", "Wahyuni", "Mardhatillah", "Yulianti",
		"Rahmadani"},
	origin: []string{"13.71", "13.75", "13.06"},
}

var bugis = ethnic{
	name: "bugis", weight: 30, muslim: 99, single: 40,
	maleOld: []string{"Syamsuddin", "Hasanuddin", "Nurdin", "Jusuf", "Irwan", "Ridwan", "Rusli",
		"Baharuddin", "Amiruddin", "Saharuddin", "Tajuddin", "Kamaruddin", "Hamzah", "Abdul Rahman",
		"Sudirman", "Asri", "Basri", "Sulaiman", "Arifin", "Syarifuddin", "Muhtar", "Darwis",
		"Mansyur", "Alimuddin", "Jamaluddin"},
	maleYoung: []string{"Reza", "Rizal", "Wahyu", "Farid", "Fadlan", "Aswar"},
	femaleOld: []string{"Hajrah", "Sitti Nurbaya", "Nurhaedah", "Hasnah", "Sitti Aminah", "Hasmawati",
		"Nurjannah", "Ratnawati", "Suriani", "Hamsinah", "Rosdiana", "Haslinda", "Nurlina",
		"Rahmawati", "Sitti Hadijah", "Marhumah", "Nurbaya", "Sumarni", "Hasriani"},
	femaleYoung:  []string{"Nurul Fadhilah", "Andini", "Fira", "Nurhaliza", "Afifah", "Adelia"},
	maleSecond:   []string{"Mappa", "Makkasau", "Tahir", "Latief", "Arsyad", "Rasyid", "Saleh", "Hamid"},
	femaleSecond: []string{"Hasanah", "Syamsuri", "Amir", "Rahim", "Ramli", "Nur"},
	origin:       []string{"73.71", "73.08", "73.13"},
}

var arab = ethnic{
	name: "arab", weight: 20, muslim: 100, single: 5,
	maleOld: []string{"Abdullah", "Husein", "Umar", "Ali", "Hasan", "Salim", "Ahmad", "Abdurrahman",
		"Idrus", "Alwi", "Hamid", "Zein", "Segaf", "Faisal", "Mustafa", "Ismail", "Jafar", "Said",
		"Abubakar", "Muhsin", "Hadi", "Thoha", "Abdul Kadir", "Aqil"},
	maleYoung: []string{"Fahmi", "Hamzah", "Yasir", "Zaky", "Habib", "Rasyid"},
	femaleOld: []string{"Fatimah", "Aisyah", "Khadijah", "Zainab", "Sarah", "Maryam", "Nur", "Rugayah",
		"Salmah", "Aminah", "Hafsah", "Sakinah", "Nadia", "Alawiyah", "Syifa", "Muznah", "Lubna",
		"Raudah"},
	femaleYoung: []string{"Farah", "Layla", "Shofia", "Yasmin", "Nada", "Hanin"},
	family: []string{"Alatas", "Assegaf", "Al-Habsyi", "Shahab", "Baswedan", "Alaydrus", "Bin Thalib",
		"Al-Kaff", "Bafaqih", "Al-Jufri", "Basalamah", "Bamualim", "Bahasuan", "Al-Hadad", "Bawazier",
		"Assagaf"},
	origin: []string{"35.78", "33.26"},
}

// ethnics lists every group; weights add up to 1000 per mille.
var ethnics = []*ethnic{&javanese, &betawi, &sundanese, &chinese, &batak, &minang, &bugis, &arab}

// sayyid families call their daughters Syarifah.
var sayyid = map[string]bool{"Alatas": true, "Assegaf": true, "Al-Habsyi": true, "Shahab": true,
	"Alaydrus": true, "Al-Kaff": true, "Al-Jufri": true, "Al-Hadad": true, "Assagaf": true}

// Names popular across groups with Muslim parents, the young generation's
// and the Arabic-derived classics of every generation.
var (
	islamicMale = []string{"Ahmad", "Abdul Rahman", "Abdul Aziz", "Abdul Karim", "Abdul Latif", "Ali",
		"Hasan", "Husain", "Umar", "Usman", "Yusuf", "Ibrahim", "Ismail", "Arif", "Hamdan", "Hakim",
		"Fauzi", "Syaiful", "Nurul Huda", "Zainal Abidin", "Lukman", "Irfan", "Iqbal", "Imam", "Ikhsan",
		"Sholeh", "Mahfud", "Syamsul", "Nasir", "Anwar", "Ridho", "Amin", "Mukhlis", "Khoirul"}
	islamicFemale = []string{"Siti Aminah", "Siti Fatimah", "Nurhasanah", "Nur Aini", "Aisyah",
		"Khadijah", "Fatimah", "Rahmah", "Halimah", "Maryam", "Zulaikha", "Nurul Hidayah", "Nurjanah",
		"Hasanah", "Salma", "Laila", "Zakiyah", "Siti Khodijah", "Umi Kalsum", "Nur Azizah",
		"Siti Nurhaliza", "Ummu Salamah", "Rofiah", "Mutmainah", "Sholihah"}
	modernMale = []string{"Rizky", "Fajar", "Dimas", "Aditya", "Bayu", "Reza", "Rafi", "Arka", "Alif",
		"Farhan", "Raka", "Daffa", "Naufal", "Rafa", "Zidan", "Fikri", "Ilham", "Aldi", "Arya",
		"Hafiz", "Athar", "Abizar", "Kenzo", "Gibran", "Dzaki", "Akbar", "Rayhan", "Haikal",
		"Fauzan", "Rasya", "Azka", "Alvaro", "Arkan", "Raffi", "Rehan", "Bintang", "Dafa", "Farel",
		"Gilang", "Ikhsan", "Kenzie", "Raditya", "Wildan", "Yusuf", "Zaki", "Fadil", "Aryo",
		"Putra", "Rendi", "Andika", "Angga", "Dani", "Hendra", "Ferry", "Indra", "Randi", "Yudha",
		"Deni", "Fandi", "Hari", "Jefri", "Roni", "Sandi", "Toni", "Wahyu", "Yogi", "Adi"}
	modernMaleSecond = []string{"Pratama", "Saputra", "Ramadhan", "Hidayat", "Nugraha", "Permana",
		"Firmansyah", "Maulana", "Setiawan", "Wijaya", "Kurniawan", "Putra", "Prasetyo", "Hakim",
		"Syahputra", "Alfarizi", "Al Fatih", "Aditya", "Akbar", "Fadillah", "Ardiansyah",
		"Gunawan", "Hermawan", "Nugroho", "Rahman", "Septian", "Surya", "Wicaksono"}
	modernFemale = []string{"Nabila", "Aulia", "Salsabila", "Putri", "Nayla", "Keisha", "Zahra", "Alya",
		"Aisyah", "Azzahra", "Khansa", "Nadia", "Anisa", "Amelia", "Cinta", "Syifa", "Adinda",
		"Kirana", "Annisa", "Dinda", "Tiara", "Intan", "Vina", "Safira", "Shakila", "Humaira",
		"Kayla", "Naura", "Hana", "Rania", "Najwa", "Fitri", "Citra", "Amanda", "Bella", "Dewi",
		"Dian", "Eka", "Fani", "Indri", "Lia", "Maya", "Mega", "Novi", "Rika", "Sari", "Sinta", "Tari",
		"Vira", "Wulan", "Yuni", "Zaskia", "Anggun", "Ayu", "Desi", "Elsa", "Fika", "Gita", "Ika",
		"Jihan", "Kania", "Lulu", "Mira", "Nia", "Okta", "Puspa", "Rani", "Santi", "Winda"}
	modernFemaleSecond = []string{"Putri", "Lestari", "Rahmawati", "Safitri", "Ramadhani", "Maharani",
		"Azzahra", "Febriani", "Permatasari", "Nuraini", "Anggraini", "Kusumawardani", "Aprilia",
		"Oktaviani", "Wulandari", "Puspitasari", "Handayani", "Pratiwi", "Amalia", "Rahmadani",
		"Septiani", "Agustina", "Khairunnisa", "Salsabila", "Novitasari", "Rizkiana"}
)

// muhammadForms are the spellings of Muhammad that KK and KTP records
// hold, with how often each appears (per mille).
var muhammadForms = []struct {
	s string
	w int
}{
	{"Muhammad", 400}, {"Muhamad", 120}, {"Mohammad", 100}, {"Mohamad", 80}, {"Moh.", 60},
	{"Moch.", 60}, {"Mochamad", 50}, {"Muh.", 40}, {"M.", 90},
}

// Old Chinese-Indonesian names: a one-syllable family name and two
// given syllables ("Lim Swie Hong"), written in the pre-1972 spelling.
var (
	hokkienFamily   = []string{"Lim", "Tan", "Oei", "Liem", "Kwee", "Ong", "Gouw", "Lie", "The", "Go", "Tjoa", "Khoe"}
	hokkienSyllable = []string{"Swie", "Hong", "Kim", "Liong", "Hwa", "Tjoen", "Bing", "Djien", "Giok", "Lan",
		"Hiang", "Sioe", "Tek", "Kiat", "Bok", "Siang", "Mei", "Nio", "Tjing", "Hoat", "Gwan", "Bie"}
)

// Titles. The religious ones go in front; academic degrees follow the name
// after a comma, as offices write them.
var (
	degreesMale   = []string{"S.E.", "S.H.", "S.Pd.", "S.Kom.", "S.T.", "S.Sos.", "S.Ag.", "M.M.", "A.Md.", "S.E., M.M."}
	degreesFemale = []string{"S.E.", "S.Pd.", "S.Kep.", "A.Md.Keb.", "S.H.", "S.Sos.", "S.Psi.", "A.Md.", "S.Farm."}
)

// Street names common in Jakarta's kampung and perumahan.
var streetNames = []string{"Kebon Sirih", "Kebon Kacang", "Kebon Jeruk", "Tanah Tinggi", "Kramat",
	"Pramuka", "Salemba", "Utan Kayu", "Kayu Manis", "Pisangan", "Swadaya", "Masjid", "H. Naman",
	"H. Ten", "Mawar", "Melati", "Anggrek", "Kenanga", "Flamboyan", "Cempaka", "Delima", "Nangka",
	"Rambutan", "Duku", "Jambu", "Manggis", "Belimbing", "Bambu", "Kelapa", "Pinang", "Waru", "Jati",
	"Mangga", "Kemuning", "Dahlia", "Kamboja", "Teratai", "Seroja", "H. Saaba", "H. Jian", "Pedati",
	"Pelita", "Persatuan", "Kemajuan", "Gotong Royong", "Bhakti", "Karya", "Setia", "Sejahtera",
	"Damai", "Rukun", "Harapan", "Cendrawasih", "Merpati", "Kutilang", "Rajawali", "Nuri",
	"Perintis", "Pemuda", "Pendidikan", "Inpres", "Langgar", "Musholla", "Al-Ikhlas", "Asem",
	"Kapuk", "Kali Baru", "Pulo", "Empang", "Sawah", "Kebon Baru", "Sumur Bor", "Haji Muhi",
	"Tipar", "Bendungan", "Rawa Bunga", "Rawa Kerbo"}

var streetSuffix = []string{"", "", "", " I", " II", " III", " IV", " V", " VI", " VII", " Raya", " Dalam", " Barat", " Timur", " Utara", " Selatan", " Baru"}

var gangNames = []string{"Masjid", "Langgar", "Kober", "Sawo", "Jengkol", "Salak", "Mushola", "Buntu",
	"Haji Dalim", "Kelor", "Lontar", "Pisang", "Mandor", "Sepakat", "Damai", "Rukun"}

var remoteHamlets = []string{"Krajan", "Karanganyar", "Sukamaju", "Sidomulyo", "Cibeureum", "Babakan",
	"Margasari", "Tegalsari", "Purwasari", "Jatimulya", "Sukarame", "Banjarsari"}

// Institution names.
var (
	pantiAsuhanNames = []string{"Al-Hikmah", "Darul Aitam", "Kasih Bunda", "Yatim Piatu Al-Ikhlas",
		"Bina Insani", "Mizan Amanah", "Nurul Iman", "Bhakti Luhur", "Dorkas", "Tunas Bangsa",
		"Putra Utama", "Sayap Ibu", "Al-Muslimun", "Darussalam", "Harapan Kita", "Hati Suci",
		"Vincentius", "Muhammadiyah", "Aisyiyah", "Al-Barokah", "Baitul Yatim", "Cahaya Hati"}
	pantiJompoNames = []string{"Werdha Kasih Sayang", "Werdha Budi Mulia", "Werdha Wisma Mulia",
		"Werdha Karya Kasih", "Werdha Ria Pembangunan", "Werdha Bina Bhakti", "Jompo Hanna",
		"Werdha Melania", "Werdha Kasih Ibu", "Werdha Al-Ikhlas", "Werdha Sejahtera"}
	pesantrenNames = []string{"Darul Qur'an", "Al-Hidayah", "Miftahul Jannah", "Darunnajah", "Asshiddiqiyah",
		"Al-Falah", "Nurul Huda", "Al-Ittihad", "Darul Ulum", "Tahfidz Al-Amin", "Al-Muhajirin",
		"Raudhatul Jannah", "Baitul Arqam", "Al-Kautsar", "Daarul Rahman", "An-Nur", "Al-Azhar",
		"Minhajussunnah", "Attaqwa", "Manbaul Ulum"}
	hospitalNames = []string{"RS Ibu dan Anak Bunda Sehat", "RS Medika Permata", "RS Sehat Sentosa",
		"RS Islam Al-Ikhlas", "RS Harapan Bunda", "RS Kasih Ibu", "RS Mitra Sejahtera", "RS Bhakti Husada",
		"RS Cempaka Medika", "RS Pelita Kasih", "Klinik Utama Sehat Bersama", "RS Husada Utama"}
	otherNames = []string{"Rumah Singgah Anak Jalanan", "Asrama Yatim", "Rumah Susun Sewa", "Posyandu Melati",
		"Posyandu Mawar", "Rumah Perlindungan Sosial", "Sanggar Belajar Anak", "Majelis Taklim Nurul Iman",
		"Masjid Jami' Al-Ikhlas", "Rumah Singgah Dhuafa", "Shelter Ojol", "Balai Warga"}
)
