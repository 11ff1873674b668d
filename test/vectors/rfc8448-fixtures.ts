// RFC 8448 ("Example Handshake Traces for TLS 1.3") values for the replay tests in ./rfc8448.test.ts:
// the recorded randomness, records and signatures of the scenarios we replay, as hex. Copied from
// ../shared/rfc8448 (the RFC's values in the layout of the Botan project's test data, Simplified BSD
// licence), so the tests never read outside the repository. Each field cites its RFC 8448 section;
// "{client}" / "{server}" name the side of the trace, as the RFC does.
//
// RNG pools hold what a side drew, in order: the hello random, then (client, §7 only) the legacy
// session id, then the ephemeral private key of each key share it created.

/** RFC 8448 §3: Simple 1-RTT Handshake. */
export const SIMPLE_1RTT = {
  /** §3 {client}: ClientHello.random, then the x25519 private key. */
  clientRngPool: `
    cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7
    49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005
  `,
  /** §3 {server}: ServerHello.random, the x25519 private key, then the NewSessionTicket's ticket_age_add (4 bytes). */
  serverRngPool: `
    a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928
    b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e
    fad6aac5
  `,
  /** §3 {client} send handshake record: the ClientHello. */
  recordClientHello: `
    16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d99
    12ec18a2ef6283024dece7000006130113031302010000910000000b00090000
    06736572766572ff01000100000a00140012001d001700180019010001010102
    0103010400230000003300260024001d002099381de560e4bd43d23d8e435a7d
    bafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e04
    0305030603020308040805080604010501060102010402050206020202002d00
    020101001c00024001
  `,
  /** §3 {server} send handshake record: the ServerHello. */
  recordServerHello: `
    160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb
    1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095
    fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304
  `,
  /** §3 {server} send handshake record: EncryptedExtensions, Certificate, CertificateVerify, Finished in one protected record. */
  recordServerFlight: `
    17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35e
    df7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78
    b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13b
    d9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9
    d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2e
    d65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd61092
    8d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead68694
    5ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b368
    4596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f
    4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26
    f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b65962224531
    7b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e
    1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da
    8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d4
    61e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe
    5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb
    992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c859
    77b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038
    ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b84
    5e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5
    d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e
    750edc53370d2b
  `,
  /** §3 {server} construct an EncryptedExtensions handshake message. */
  encryptedExtensions: `
    080000240022000a00140012001d00170018001901000101010201030104001c
    0002400100000000
  `,
  /** §3 {server}: what the CertificateVerify signs (64 spaces, context string, 0, transcript hash). */
  serverSignatureInput: `
    2020202020202020202020202020202020202020202020202020202020202020
    2020202020202020202020202020202020202020202020202020202020202020
    544c5320312e332c207365727665722043657274696669636174655665726966
    7900764d6632b3c35c3f3205e3499ac3edbaabb88295fba751461d3678e2e5ea
    0687
  `,
  /** §3 {server} construct a CertificateVerify handshake message: the rsa_pss_rsae_sha256 signature. */
  serverSignature: `
    5a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b
    0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6
    d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95
    b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3
  `,
  /** §3 {client} send handshake record: the client Finished. */
  recordClientFinished: `
    170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc
    44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546
  `,
  /** §3 {server} construct a NewSessionTicket handshake message. */
  newSessionTicket: `
    040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec9000000
    00262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785a
    bc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827
    db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529
    513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea61764
    6fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a
    e4d3570008002a000400000400
  `,
  /** §3 {server} send handshake record: the NewSessionTicket. */
  recordNewSessionTicket: `
    17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d4
    1d6af8f6b580dcf3d11d63c758db289a015940252f55713e061dc13e078891a3
    8efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e0
    9c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406
    f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c8651
    9d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74
    bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf159
    85684f
  `,
  /** §3 {client} send application_data record: the payload (bytes 00..31). */
  clientAppData: `
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    202122232425262728292a2b2c2d2e2f3031
  `,
  /** §3 {client} send application_data record. */
  recordClientAppData: `
    1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f
    2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae6
    3aeebb21694915e4
  `,
  /** §3 {server} send application_data record: the payload (bytes 00..31). */
  serverAppData: `
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    202122232425262728292a2b2c2d2e2f3031
  `,
  /** §3 {server} send application_data record. */
  recordServerAppData: `
    17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36
    e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf33254
    0dd032e167c2955d
  `,
  /** §3 {client} send alert record: close_notify. */
  recordClientCloseNotify: '1703030013c9872760655666b74d7ff1153efd6db6d0b0e3',
  /** §3 {server} send alert record: close_notify. */
  recordServerCloseNotify: '1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9',
} as const;

/** RFC 8448 §4: Resumed 0-RTT Handshake, with the ticket of §3's NewSessionTicket. */
export const RESUMED_0RTT = {
  /** §4 {client}: ClientHello.random, then the x25519 private key. */
  clientRngPool: `
    1bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d95
    bff91188283846dd6a2134ef7180ca2b0b14fb10dce707b5098c0dddc813b2df
  `,
  /** §4 {server}: ServerHello.random, then the x25519 private key. */
  serverRngPool: `
    3ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d
    de5b4476e7b490b2652d338acbf2948066f255f9440e23b98fc69835298dc107
  `,
  /**
   * §4 {client} extract secret "early": the IKM, i.e. the PSK that §3's ticket stands for
   * (HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce), RFC 8446 §4.6.1).
   */
  psk: '4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3',
  /**
   * Not the RFC's: it gives no clock. Any instant serves as the time §3's ticket was received
   * (client) and issued (server); only the age below matters.
   */
  ticketIssuedAt: Date.UTC(2019, 0, 1),
  /**
   * The ticket's age when §4's ClientHello was made, in milliseconds: its obfuscated_ticket_age
   * (0xfad6aacb) minus §3's ticket_age_add (0xfad6aac5), RFC 8446 §4.2.11.1.
   */
  ticketAgeMs: 6,
  /** §4 {client} send handshake record: the ClientHello, with early_data and pre_shared_key. */
  recordClientHello: `
    1603010200010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af6
    49d7b4bc419d7876487d95000006130113031302010001cd0000000b00090000
    06736572766572ff01000100000a00140012001d001700180019010001010102
    01030104003300260024001d0020e4ffb68ac05f8d96c99da26698346c6be164
    82badddafe051a66b4f18d668f0b002a0000002b0003020304000d0020001e04
    0305030603020308040805080604010501060102010402050206020202002d00
    020101001c000240010015005700000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    00000000002900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494
    dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd2260
    97a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce14
    5077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da267
    7fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c0327
    2e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6
    aacb0021203add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6f
    a31b9e5f9d
  `,
  /** §4 {client}: the PSK binder, made like a Finished (the RFC labels it so): the ClientHello's last 32 bytes. */
  binder: '3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d',
  /** §4 {client} send application_data record: the 0-RTT payload ("ABCDEF"). */
  clientEarlyAppData: '414243444546',
  /** §4 {client} send application_data record: the 0-RTT record, under the client_early_traffic_secret. */
  recordClientEarlyAppData: '1703030017ab1df420e75c457a7cc5d2844f76d5aee4b4edbf049be0',
  /** §4 {server} send handshake record: the ServerHello, with pre_shared_key (identity 0). */
  recordServerHello: `
    16030300600200005c03033ccfd2dec890222763472ae8136777c9d7358777bb
    66e91ea5122495f559ea2d00130100003400290002000000330024001d002012
    1761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea3100
    2b00020304
  `,
  /**
   * §4 {server} send handshake record: EncryptedExtensions and Finished in one protected record.
   *
   * This record and the EncryptedExtensions below are the RFC's, not those of §4 in
   * ../shared/rfc8448/transcripts.vec: there, server_name is missing from EncryptedExtensions and
   * the record (93 bytes) was made again without it, while its server Finished message and the
   * client's Finished record still belong to the RFC's (97-byte) flight. The RFC's values are
   * those of the Botan project's own copy of the file; the tests check them against each other
   * (our server and client both reproduce this record and the RFC's client Finished).
   */
  recordServerFlight: `
    1703030061dc48237b4b879f50d0d4d262ea8b4716eb40ddc1eb957e11126e8a
    7149c2d012d37a7115957e64ce30008b9e0323f2c05a9c1c77b4f37849a695ab
    255060a33fee770ca95cb8486bfd0843b87024865ca35cc41c4e515c64dcb136
    9f98635bc7a5
  `,
  /** §4 {server} construct an EncryptedExtensions handshake message: supported_groups, record_size_limit, server_name, early_data. */
  encryptedExtensions: `
    080000280026000a00140012001d00170018001901000101010201030104001c
    0002400100000000002a0000
  `,
  /**
   * §4 {client} send handshake record (twice): EndOfEarlyData under the early traffic keys, then
   * Finished under the client handshake traffic keys.
   */
  recordClientFinished: `
    1703030015aca6fc944841298df99593725f9bf9754429b12f09170303003500
    f8b467d14cf22a4b3f0b6ae0d8e6cc8d08e0db3515ef5c2bdf1922eafbb70009
    964716d834fb70c3d2a56c5b1f5f6bdba6c333cf
  `,
  /** §4 {client} send application_data record: the payload (bytes 00..31). */
  clientAppData: `
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    202122232425262728292a2b2c2d2e2f3031
  `,
  /** §4 {client} send application_data record. */
  recordClientAppData: `
    1703030043b1cebce242aa201be9ae5e1cb2a9aa4b33d4e866af1edb06891923
    7741aa031d7a74d491c99b9d4e232b74206bc6fbaa04fe78be44a9b4f54320a1
    7eb76992afac3103
  `,
  /** §4 {server} send application_data record: the payload (bytes 00..31). */
  serverAppData: `
    000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    202122232425262728292a2b2c2d2e2f3031
  `,
  /** §4 {server} send application_data record. */
  recordServerAppData: `
    1703030043275e9f20acff57bc000657d3867df039cccf79047884cf75771746
    f740b5a83f462a0954c3581393a203a25a7dd14141ef1a37900cdb62ff62dee1
    ba39ab2590cbf194
  `,
  /** §4 {client} send alert record: close_notify. */
  recordClientCloseNotify: '17030300130facce3246bdfc6369838d6a82ae6de5d422dc',
  /** §4 {server} send alert record: close_notify. */
  recordServerCloseNotify: '17030300135b18af444e8e1eec7158fb62d8f2577d37ba5d',
} as const;

/** RFC 8448 §5: HelloRetryRequest. */
export const HELLO_RETRY_REQUEST = {
  /** §5 {client}: ClientHello.random, the x25519 private key, then (after the HelloRetryRequest) the secp256r1 private key. */
  clientRngPool: `
    b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f
    0ed02f8e8117efc75ca7ac32aa7e34eda64cdc0ddad154a5e85289f959f63204
    ab5473467e19346ceb0a0414e41da21d4d2445bc3025afe97c4e8dc8d513da39
  `,
  /** §5 {server}: ServerHello.random, then the secp256r1 private key. */
  serverRngPool: `
    bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b98
    8c510601f9765bfb8ed693449a48989859b5cfa879cb9f5443c41c5ff10634ed
  `,
  /** §5 {client} send handshake record: the first ClientHello (x25519 share only). */
  recordClientHello1: `
    16030100b4010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb784971694
    5a2b8cee9258a346677b6f000006130113031302010000810000000b00090000
    06736572766572ff01000100000a00080006001d00170018003300260024001d
    0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062
    ad1f002b0003020304000d0020001e0403050306030203080408050806040105
    01060102010402050206020202002d00020101001c00024001
  `,
  /** §5 {server} send handshake record: the HelloRetryRequest (secp256r1, with a cookie). */
  recordHelloRetryRequest: `
    16030300b0020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167a
    bb8c5e079e09e2c8a8339c001301000084003300020017002c0074007271dcd0
    4bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd003095
    3f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f
    025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c034
    2267e8ca0caf571fb2b7cff0f934b0002b00020304
  `,
  /** §5 {client} send handshake record: the second ClientHello (secp256r1 share, the cookie, padding). */
  recordClientHello2: `
    1603030200010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb784971694
    5a2b8cee9258a346677b6f000006130113031302010001cd0000000b00090000
    06736572766572ff01000100000a00080006001d001700180033004700450017
    004104a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac
    8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8
    065780002b0003020304000d0020001e04030503060302030804080508060401
    0501060102010402050206020202002c0074007271dcd04bb88bc3189119398a
    00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21b
    b2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b
    5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2
    b7cff0f934b0002d00020101001c00024001001500af00000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    0000000000000000000000000000000000000000000000000000000000000000
    0000000000
  `,
  /** §5 {server} send handshake record: the ServerHello. */
  recordServerHello: `
    160303007b020000770303bb341d847fd789c47c387172dc0c9bf147fccacb50
    43d86ca4c598d3ff571b9800130100004f003300450017004104583e054b7a66
    672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b
    04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304
  `,
  /** §5 {server} send handshake record: EncryptedExtensions, Certificate, CertificateVerify, Finished. */
  recordServerFlight: `
    170303029699bee20baf5b7fc727bfab6223928a381e6d0cf9c4da653f9d2a7b
    23f7de11cce842d5cf75631763450ffb8b0cc1d238e658af7a12adc86243114a
    b14a1da2fae42621ce483fb6242eabfaad52566b02b31d2eddedefeb80e66a99
    00d5f973b40c4fdf74719ecf1b68d7f9c3b6ceb903ca13dd1bb8f8187ae33417
    e1d152522c5822a1a03ad52c838c55953d610222874cce8e1790b229a2aa0b53
    c8d377ee720182951dc6181dc5d90bd1f0105ed1e84aa5f75957c6661897079e
    5ea5007449e3197bdc7c9beeedddeafdd844afa5c315ecfe65e576afe9098128
    80620ec7048b42d7f5c78d76f299d6d82534bdd8f512febc0ed3814aca470cd8
    000d3e1cb9962b052fbb950df683a52c2ba77ed3713b122937a6e5170964e2ab
    7969dcd980b3db9b458da7603124d6dc005e4d6e04b4d0c4baf3275db827dbba
    0a6db09672171fc057b3851d7e026841e2978fbd2346bbefdd0376bb1108fe9a
    cc92189f5650aa5e85d8e8c7b67ac510dba003d3d7e16350bb66d45013efd44c
    9b607c0d318c4c7d1a1f5cbc57e20611804e3787d7b4a4b5f08ed8fd70bdaead
    e02260b12ab842ef690b4a3ee7911e841b374ecd5ebbbc2a54d047b600336dd7
    d0c88b4bc10e58ee6cb656de7247fa20d8e91deb84628608cf80615b62e96c14
    91c7ac3755eb6901405d3474fe1ac79d106a0cee56c2577fc88480f96cb6b8c6
    81b7b68b53c146093908f350888175bdfb0b1e31ad61e30ba0adfe6d223aa03c
    0783b5001a57587c328a9afcfcfb978d1cd4328f7d9d60530e630befd96c0c81
    6ee20b0100768ae2a6df51fc68f172740a79af11398ee3be1252491fa9c69347
    9e877f94ab7c5f8cad480203e6ab7b87dd71e8a0729113df17f5eee86ce108d1
    d72007ec1cd13c85a6c149621e77b7d78d805a30f0be030c315e54
  `,
  /** §5 {server} construct an EncryptedExtensions handshake message. */
  encryptedExtensions: '080000180016000a0008000600170018001d001c0002400100000000',
  /** §5 {server}: what the CertificateVerify signs. */
  serverSignatureInput: `
    2020202020202020202020202020202020202020202020202020202020202020
    2020202020202020202020202020202020202020202020202020202020202020
    544c5320312e332c207365727665722043657274696669636174655665726966
    7900a303fd397938c2b5c3fb0dfb33bd6c46d890331e3be5ed3b8ea2be5218c3
    db1a
  `,
  /** §5 {server} construct a CertificateVerify handshake message: the rsa_pss_rsae_sha256 signature. */
  serverSignature: `
    33ab13d4462707231b5dcae6c8190b63d1dabc74f28c395370da0b07e5b83066
    d0246a31acd95df475bfd799a4a70d33ad93d3a317a9b2c0d237a5685b219e77
    4112e391a247607d1aeff1bbd0a39f382ee1a5fe88ae99ec59228e6497e45d48
    ce275a6d5ef40d169fb6f9d33b052ed3dcdd6b5a48baafffbcb290128415bd38
  `,
  /** §5 {client} send handshake record: the client Finished. */
  recordClientFinished: `
    1703030035d74f1923c662fd34137c6f502f3dd2b93d951d1b3bc97e42afe23c
    31abea92fe91b474999e85e3b791ce252fe8c3e9f939a4120cb2
  `,
  /** §5 {client} send alert record: close_notify. */
  recordClientCloseNotify: '17030300132ea6cdf749196023e2b3a49491695536426047',
  /** §5 {server} send alert record: close_notify. */
  recordServerCloseNotify: '1703030013519fc5075cb0884349759ff9ef6f011bb4c6f2',
} as const;

/** RFC 8448 §6: Client Authentication. */
export const CLIENT_AUTHENTICATION = {
  /** §6 {client}: ClientHello.random, then the x25519 private key. */
  clientRngPool: `
    6a472236328b83af40386d3a3e1f1ce624fa4ed89ab865a4ff0f4144ce3ae233
    c040b2bb8f3addd20fd4058c547003a3c6f9c1cd915d5e535c87d8d191aaf071
  `,
  /** §6 {server}: ServerHello.random, then the x25519 private key. */
  serverRngPool: `
    3b50fdf1c3d572e40e68953e7fff4e2758459c59afa0582c0ea032874255fe6e
    7382a5ad1cdd2056ae18cc708bd007d98130dbe2cd4d9ead9b96952becbb0888
  `,
  /** §6 {client} send handshake record: the ClientHello. */
  recordClientHello: `
    16030100c0010000bc03036a472236328b83af40386d3a3e1f1ce624fa4ed89a
    b865a4ff0f4144ce3ae2330000061301130313020100008d0000000b00090000
    06736572766572ff01000100000a00140012001d001700180019010001010102
    01030104003300260024001d0020089cc2671f738d9a671e5b2e464981d05b76
    e361aa22aea91f1d49ca10a7a362002b0003020304000d0020001e0403050306
    03020308040805080604010501060102010402050206020202002d0002010100
    1c00024001
  `,
  /** §6 {server} send handshake record: the ServerHello. */
  recordServerHello: `
    160303005a0200005603033b50fdf1c3d572e40e68953e7fff4e2758459c59af
    a0582c0ea032874255fe6e00130100002e00330024001d00206c2e50e865919a
    6b5a12dfaf918f92b442567b0f89bc54478c6921366658f062002b00020304
  `,
  /** §6 {server} send handshake record: EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished. */
  recordServerFlight: `
    17030302166d0a7ac079b32a94aa68c4e2893e8bd0d3c185f549c236fbbce3d6
    47f08f3c94a2bf424d8708883605ad8955f97718b0213dead13dfb23ebb8381d
    a582756612bcb5a5d40847719fbe9f179bfae656f3ecfd59a4c0d35132ce418a
    7e46f6b6a60622f8a6c06b28d83360163563be9c37f97eb902326924a72b3ed8
    c8381277d1581cab9c3715ac2401398467ad7ebfab3d0c3419e750104f7d62c5
    027901f2e4cd4ca5b8071eb03d3c732d83215066dfc4d291d4c1ff3b8d7e4298
    f677d4d51dea1168d8f16cb27ba40266313a1fedf9e23cc77f765450f9e96f05
    d08f3da245b14d4946f07ec81eed6d56f26bd574f0b7f7c7047037c16fce3b23
    754e662fad73e2b7213f6af296769c99a1d38e6232e0ec8dc4f84d6aa6f7de38
    87be0057862f9018e0ab396705aa4090ab5f2dff6325a557e7320d4effd46bb4
    f997d163207cce6665294aa4465541e3fe37ee7350659ea550d6dcb6af3c5188
    52c7a14c3cc15bc32b3273bdf1751da184203135b117d300204fb12d58ca9ac3
    4b68eca27030832f7a4b46d2a55757f63fe8f6e85ac47469e6198da88a64586b
    f23c69590de822263be75fd836847240c48f8c145cd6bd698962e7edc234ebe5
    9231351eef8d7652cf3b08ab3af6e5ec74c58a8da34b39f9b0d6c4279a9a1f82
    071729e7059dd7f7b95b9433c4684ce1891a6d33432d52eddb0b8cee9181d403
    eccc12991f1ad4aa62c36049713a7bb135fdda6661a05a93f8c16f
  `,
  /** §6 {server} construct an EncryptedExtensions handshake message. */
  encryptedExtensions: `
    080000240022000a00140012001d00170018001901000101010201030104001c
    0002400100000000
  `,
  /** §6 {server} construct a CertificateRequest handshake message. */
  certificateRequest: `
    0d000027000024000d0020001e04030503060302030804080508060401050106
    0102010402050206020202
  `,
  /** §6 {server}: what the CertificateVerify signs. */
  serverSignatureInput: `
    2020202020202020202020202020202020202020202020202020202020202020
    2020202020202020202020202020202020202020202020202020202020202020
    544c5320312e332c207365727665722043657274696669636174655665726966
    7900859eaf14bd760766c74a398668367bc3a32687ce5a598b4383726ab82a91
    1e26
  `,
  /** §6 {server} construct a CertificateVerify handshake message: the ecdsa_secp256r1_sha256 signature. */
  serverSignature: `
    3045022100d7a4d34bd54f55fee1a89625678c3dd5e5f60dac73ec940c5c7b93
    04a02084a90220289f595ed488b9ac689a3d192b1a8bb38f34af7874c059c980
    6a1f38269353e8
  `,
  /** §6 {client}: what the client CertificateVerify signs. */
  clientSignatureInput: `
    2020202020202020202020202020202020202020202020202020202020202020
    2020202020202020202020202020202020202020202020202020202020202020
    544c5320312e332c20636c69656e742043657274696669636174655665726966
    790044026ef3331bc864da1c08ee32e196d93cc2c5d487e47e957d980e7c3d80
    1b9a
  `,
  /** §6 {client} construct a CertificateVerify handshake message: the rsa_pss_rsae_sha256 signature. */
  clientSignature: `
    186b2223b503a759c35dba0e9721b4b579138d5f0f5e6ec7feaaf27f3ad7f386
    c2c7bd7cb2be52fbf5ed8393f406ee79369692ec7ac695651d858219e672a8eb
    7b2a677b640b46ab630edc5f3f2f8272b9c0d906f81f84ddc5b8c7bcf955c78a
    3cf99e5016f73e04eb7dfcb28833f13e8f75ec2ff3581e2f098ad4157fd6d6ad
  `,
  /** §6 {client} send handshake record: Certificate, CertificateVerify, Finished. */
  recordClientFinished: `
    1703030280b46a63934e673841abaf267403bc677f6b6d2a1e2f12bb5f62683b
    fe36a82673f06d6287ddd609bcf2f5fd3225923d24af3c76682c180ee571a17c
    a4bfbe2f510dc9a0e1fca5cff2cee87d11cb531a6ef90bf5309a6b63bbbc0b88
    ea45103a4304091543859fa11ec032ed873444cd5185ead5f6a76420f0f0286a
    cef802c8e4788c23275f1b06da600f4a7decd0bc59d7bef10e649ae32690397f
    c3d4ed6f30f801d8cd569b71ad4fa05ea7cf2ac2dfa150d220505d4011b34d09
    d53853eba61a101e4f8dca47d8171a884b19259a3dd48c5ac141983edc77814d
    25e7f66bbbdb9096839266e06561828ecfb27eafd4e9e81a0b96e3bfa42dae5a
    d80359b9a6661402c3a2104177030106dbd8f65bb6a0159d512eb13af22a259f
    313bd58c2e21fe053d57f2a962b0a4ea682c96f70b79b560136192823b27be6a
    2fb7b1c751ccc0e3303615541485b7b307b423332c11efa80b72f9b80a53e53f
    7bb38a3af4c59f8008bad0544e5614e688ff57bccd6935f81f447f420c1c1bf4
    058818e90bf5dc716ccae42524856df8250bcdbd7af65f82dd53061d024f6d2f
    f5c11e3792a9a70e0ee2a3c20a1b968ac391f8f92831135d25242ada2fe241c2
    653ec996339dfa12dfae7a3373df88b07ca27aef6dc266a25f13f75c76039c1f
    46fd7a53ae6399c999f4b2aee18e480d6d12bfae226bbdc92a6ad50b4d3bac7a
    bc3b3651eb5be56f33bf41127b3ca886dc714a50d1490357bd40d9fd6be42209
    a4ddb9ebb2987e29f120f05814614d2c79320015b461fe7324447670a1af5f65
    caed15b474ab7faa495016adf808e53b94ef54afbb0e0a3a2732ab597f7d5923
    c77386aa5124731f8cc73e703b341c175a454939a77ab64313c15cf3fe03c4f3
    3842564976
  `,
  /** §6 {client} send alert record: close_notify. */
  recordClientCloseNotify: '1703030013e4ad7d44c29245339d355962c779b89ef44c58',
  /** §6 {server} send alert record: close_notify. */
  recordServerCloseNotify: '17030300131decc5d6e64bba8a6f21b4fd077497da2a90cb',
} as const;

/** RFC 8448 §7: Middlebox Compatibility Mode. */
export const MIDDLEBOX_COMPATIBILITY = {
  /** §7 {client}: ClientHello.random, the legacy_session_id, then the x25519 private key. */
  clientRngPool: `
    4e640a3f2c2738f09c9418bd78edccd7559d0531199276d4d92a0e9ee9d77d09
    a80c165581a8e0d06c0018d54d3a06dd32cfd4051eb026fad3fd0ba99269e6ef
    dea00b45695dc781f19d34a62c1afd31ab4369af1e855a3bbb258d8442cde6d7
  `,
  /** §7 {server}: ServerHello.random, then the x25519 private key. */
  serverRngPool: `
    e5dd5948c435f7a38f0f0130708dc322d9df09abd4838117c183a7bb6d994f2c
    017c38a3647921ca2d9ed6bd7ae7132b94211b1331bb208c8ccdd51556409995
  `,
  /** §7 {client} send handshake record: the ClientHello (32-byte legacy_session_id). */
  recordClientHello: `
    16030100e0010000dc03034e640a3f2c2738f09c9418bd78edccd7559d053119
    9276d4d92a0e9ee9d77d0920a80c165581a8e0d06c0018d54d3a06dd32cfd405
    1eb026fad3fd0ba99269e6ef00061301130313020100008d0000000b00090000
    06736572766572ff01000100000a00140012001d001700180019010001010102
    01030104003300260024001d00208e7292cf3056dbb0d25fcbe55c107dc9bbf8
    3dd9708f39203ba341249a7d9b63002b0003020304000d0020001e0403050306
    03020308040805080604010501060102010402050206020202002d0002010100
    1c00024001
  `,
  /** §7 {server} send handshake record: the ServerHello. */
  recordServerHello: `
    160303007a020000760303e5dd5948c435f7a38f0f0130708dc322d9df09abd4
    838117c183a7bb6d994f2c20a80c165581a8e0d06c0018d54d3a06dd32cfd405
    1eb026fad3fd0ba99269e6ef130100002e00330024001d00203e30f0f4ba551a
    fd62768341175f5265e4daf0c8841617aa4fafdd2142320c22002b00020304
  `,
  /** §7 {server} send change_cipher_spec record, then the handshake record: EncryptedExtensions, Certificate, CertificateVerify, Finished. */
  recordServerFlight: `
    14030300010117030302a248de891d9c3624a67a6c6f0601ab7ac20c1f6a9e14
    d2e6007e999e130367a8af1bcfea9498fbce19df4505eece3a25da523cbe55ea
    1b3bda4e91995e455d500a4faa6227b7111e1c8547e2d7c179db215303d25827
    f3cd18f48f6491328cf5c0f814d388150bd9e9264aae491db6995069bea17665
    d5e0c817284d4ac21880054c3657331e23a9304dc88a15c04ec80bd3852bf7f9
    d3c6615b15fac83bbca031c6d2310d9f5d7a4b020a4f7c19062b65c05a1d3264
    b557ec9d8e0f7cee27e36f793039de8dd96edfca9009e0651034bff31d7f349e
    ece01d99fcb5fcab840d7707c72299c3b5d04564e880a33c5e846c762e3d922b
    b55303d1d87cc0f06573f17dcb9b8ffd35bbd883c1cb3aa24fcc325005f768ce
    2fb624ca97b6c4d98e17f35bc2c7940a06100c2d448db7180b2d862164435c9c
    210e9860394e05aab23ff1b0203f662c588da5bc4411477a30b41136c488a0a6
    3fcab5c15ac613226dae827a1d1fe95ece6b30bcee1560a8d408d264555e760f
    9bfc624c2c87fd0456c9bfb41bcd1a7b212786d2b67fd57804facfa1eef7cf29
    19d8b998c9789f763b4d9caa093a9ded43175d46a76b4d54f0ce0c5d2259b607
    e30a9d241263874fa59d6f570dc40d83a2d83bf9e9850d454c57806535a8998a
    e0357df92f00b9667344c24114ccc9ef539124b204e7e6e748c30a28a3d1d183
    997243eaccbbd33b0c1115a0327106a1e6a75271d4983086f632ff0eb8b4c631
    02cbcef5bb72dae1279d5de8eb19096d8cdb07fa8ea989788fac23e66e0488c1
    93f3f3fea8c8838896bf3ae4b6848d42ced4bdf41abe6fc331b44225e7a1f7d3
    564147d5458e71aa909cb02be958bbc42e3aa5a27cc6eaf4b6fe51ae4495694d
    8ab6320aab920183fd5b31a359042fbd67391ec5e4d1892a2e5210141a494e93
    01b24a113c474c7f2a73457847
  `,
  /** §7 {server} construct an EncryptedExtensions handshake message. */
  encryptedExtensions: `
    080000240022000a00140012001d00170018001901000101010201030104001c
    0002400100000000
  `,
  /** §7 {server}: what the CertificateVerify signs. */
  serverSignatureInput: `
    2020202020202020202020202020202020202020202020202020202020202020
    2020202020202020202020202020202020202020202020202020202020202020
    544c5320312e332c207365727665722043657274696669636174655665726966
    7900f6f6f65e8dadcbfc7dfd3a7841469b0f9889ba468c9ff9da0ae5ca4dea8b
    50e4
  `,
  /** §7 {server} construct a CertificateVerify handshake message: the rsa_pss_rsae_sha256 signature. */
  serverSignature: `
    a2301a68dd1ceee6938fe9d40c46b9201b34d59952a37e06523a39cf8ba6c9c8
    b68ae94492af780516ed7b73c82812e99dd3fabea45e09d9c6848721c2808c61
    501b0c75e7fcaba5f78bef68a2c2b69b19558b3e40387eea93d25c7781c1cc00
    e9f519f7e2e4adb73e76d66089000a2dc866c2ed30bba50a0d457f19dc6eb9f3
  `,
  /** §7 {client} send change_cipher_spec record, then the handshake record: the client Finished. */
  recordClientFinished: `
    140303000101170303003532d030e273773a8696c799981af6ced07f87482e81
    565e394e87c867f33df3d65b7506f1a626af91d4821d5f7a1f210ef8dd3c6d16
  `,
  /** §7 {client} send alert record: close_notify. */
  recordClientCloseNotify: '17030300130f629155382dba23c4e2c5f7f84e6f2ed3083d',
  /** §7 {server} send alert record: close_notify. */
  recordServerCloseNotify: '1703030013b7257b0fecaf69d4f09e3f891e2a25d1e28845',
} as const;

// The RFC's certificates and key: public test material, self-signed, never trusted by anything. The
// RSA keys are 1024 bits and the certificates' validity ends in July 2026, so the replay tests use a
// verifier that accepts any chain.

/** RFC 8448 §3 (and §5, §7) {server}: the RSA private key of the certificate below (1024 bits). */
export const SERVER_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBALS7SY+CeTA9mAg2
OZs2xpiMDGjeVeG9uCbTkBokYer9LeSakdAVq7yalRN6zmwa8Z6qavmMfO1DEgmY
4YeoDuDMsFJLGwGMPgtjJk1Emm044ipf2kMIRnSAMFMO8EYcjKnZ77+ujqbR0D4r
0ZPv8KuagALEdCim01qNiNeffx4/AgMBAAECgYAE3qcF1DpupyCd2AchEag8geMi
pZJ4szSAZB6vfApphbjjHET23mLhtMIwn2Em53t8QekjMUu/o4gTBdwSF/FsgZzl
OOki82mCjQ5XGV2MhIhGAgey+qcmvPcIu9fbf2efiTSS/CpiLgiXCqxEHOTgwwiN
8lrmeSM9+KO9ov+ZQQJBAOQ1+3zINzd1bazqlqt/WaLMEGnbfesZDhfjOlMrJz8w
oyeqCqq8WM1nRmr5hF+txnX+CUr5LEvR8sG8M90uBRUCQQDKvTvA4EOGZMjUzJ+Z
l3qU2bv+rY5Dhwq64/fri04O7orx2bRxm6YZbPLLuu7r+LNJCv6en/p0qIqlH8ZF
YpMDAkA/VzRcJ/4baH5udhYnt4sbgmQz3XYPoL6mpqzzlJCqG0fNpIadaPWE3VtQ
Kb0yCTuCWGYf5xUCXl1wpFoI09MZAkAYPaATY70vKIXKy9yZZL9HZPFRdjb4ZAEo
b3GJPFLM/kCmwj0NCGtHxvsQ2P0QQeBN736aQM6VfEF3lOEEEtE5AkEAg5ypoIXk
KGsskORmmXosaB8hM5qjR3gU5N7BGDMFDtUN0TzAOASKQ8WbKsxBaInAN2Zf5a+m
BZafjAHfpcqWnQ==
-----END PRIVATE KEY-----`;

/**
 * RFC 8448 §3 (and §5, §7) {server} construct a Certificate handshake message: the certificate
 * (CN=rsa), 432 bytes of DER. ../shared/rfc8448/server_certificate.pem carries two zero bytes after
 * it (the CertificateEntry's empty extensions, copied along); they are left out here.
 */
export const SERVER_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBrDCCARWgAwIBAgIBAjANBgkqhkiG9w0BAQsFADAOMQwwCgYDVQQDEwNyc2Ew
HhcNMTYwNzMwMDEyMzU5WhcNMjYwNzMwMDEyMzU5WjAOMQwwCgYDVQQDEwNyc2Ew
gZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGBALS7SY+CeTA9mAg2OZs2xpiMDGje
VeG9uCbTkBokYer9LeSakdAVq7yalRN6zmwa8Z6qavmMfO1DEgmY4YeoDuDMsFJL
GwGMPgtjJk1Emm044ipf2kMIRnSAMFMO8EYcjKnZ77+ujqbR0D4r0ZPv8KuagALE
dCim01qNiNeffx4/AgMBAAGjGjAYMAkGA1UdEwQCMAAwCwYDVR0PBAQDAgWgMA0G
CSqGSIb3DQEBCwUAA4GBAIWq0qDluSdrkIxl9zpyZxcGGKVMX4p7M30t96WUNlQX
8uro+KWMj4Fy+TGc82t/1sVbgPIaAwFRVnJglv0zXl5n8tvxAnAuYIzK5r7B/GOk
Kpm+XD63EHw8VOm56yvVIDscO4TgqLL3WUCbo+rJ2R1ALcwMyPiWEimskYe0K03h
-----END CERTIFICATE-----`;

/**
 * RFC 8448 §6 {server} construct a Certificate handshake message: a P-256 certificate (CN=ecdsa256).
 * The RFC does not publish its private key; the recorded CertificateVerify signature stands in.
 */
export const SERVER_CERTIFICATE_CLIENT_AUTH_PEM = `-----BEGIN CERTIFICATE-----
MIIBLjCB1aADAgECAgEHMAoGCCqGSM49BAMCMBMxETAPBgNVBAMTCGVjZHNhMjU2
MB4XDTE2MDczMDAxMjQwMFoXDTI2MDczMDAxMjQwMFowEzERMA8GA1UEAxMIZWNk
c2EyNTYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQI1TAWFXX0z+fxVO40SBgA
hgAeiEMaee5i7m4vg+84umHp+zfzTgB6ffTS9bVtHwTs5F1iH0aEBvXDoVFYlI3Q
oxowGDAJBgNVHRMEAjAAMAsGA1UdDwQEAwIHgDAKBggqhkjOPQQDAgNIADBFAiEA
3zD9RQf17dIsGm/4bbR5ymk/7so7cbP571VrKTfAWU0CIGLipHJQ0yD+qDx+Lctb
dqUOAgDAmtvRP+6UblE+AR0R
-----END CERTIFICATE-----`;

/**
 * RFC 8448 §6 {client} construct a Certificate handshake message: the client's RSA certificate
 * (CN=client). The RFC does not publish its private key; the recorded signature stands in.
 */
export const CLIENT_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBsjCCARugAwIBAgIBATANBgkqhkiG9w0BAQsFADARMQ8wDQYDVQQDEwZjbGll
bnQwHhcNMTYwNzMwMDEyMzU5WhcNMjYwNzMwMDEyMzU5WjARMQ8wDQYDVQQDEwZj
bGllbnQwgZ8wDQYJKoZIhvcNAQEBBQADgY0AMIGJAoGBAMOBdeAEpo0JP4I7nDed
IB+8C7ehx5GQXj+/doR+ROdR67zTYL2UXIHlIivMiEbTqKD5Ppv1vrq9ku3x3h/x
kCFwPnq2wJAVE/l+ObER8JyTSJcceyEZhKdUzUX+CVrw6kI2gpvM96f+myiI54q0
d2kKW54cy+kcakoPl6fgKEIBAgMBAAGjGjAYMAkGA1UdEwQCMAAwCwYDVR0PBAQD
AgeAMA0GCSqGSIb3DQEBCwUAA4GBABp6WgGFMrAirwdn1IYWDP8tFnoZFdI4NbVF
lJFtxoC+XS5iYHbF1Sci68x3XX2Z+YC+L8lNNKz2zAC6kMvPsGCKoefjlx7wwHpB
1HrYNF0fgf5Bihz0EFRCn9IXvXd9wc8I8F35B5nGWTYeDxqO5KwPeJdCC9vII9qA
ovK6Iwgc
-----END CERTIFICATE-----`;
