// BaggagePropagator against W3C Baggage: parsing, limits, merge and inject.
#include "qtrace/sdk/propagation/baggage_propagator.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/sdk/test_carrier.h"

namespace qtrace {
namespace {

using testutil::MapCarrier;

// "k0=v0,k1=v1,...": n distinct valid members.
std::string Members(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, "k", i, "=v", i);
  }
  return out;
}

Context WithBaggage(const Baggage& baggage) {
  return Context().WithBaggage(std::make_shared<const Baggage>(baggage));
}

// --- Parse ---

TEST(BaggageParseTest, ReadsMembersInOrder) {
  const Baggage b = BaggagePropagator::Parse("k1=v1,k2=v2");
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(b.entries()[0], (Baggage::Entry{"k1", "v1", ""}));
  EXPECT_EQ(b.entries()[1], (Baggage::Entry{"k2", "v2", ""}));
}

TEST(BaggageParseTest, AllowsOwsAroundMembersEqualsAndSemicolons) {
  const Baggage b = BaggagePropagator::Parse(" \tk1 = v1 ;\tp1 , k2\t=\tv2\t");
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(b.entries()[0], (Baggage::Entry{"k1", "v1", "p1"}));
  EXPECT_EQ(b.entries()[1], (Baggage::Entry{"k2", "v2", ""}));
}

TEST(BaggageParseTest, PercentDecodesValues) {
  const Baggage b = BaggagePropagator::Parse("k=hello%20world%2C%3B%25,u=caf%C3%A9");
  EXPECT_EQ(b.Get("k"), "hello world,;%");
  EXPECT_EQ(b.Get("u"), "caf\xc3\xa9");
}

TEST(BaggageParseTest, KeepsEqualsSignsInValues) {
  const Baggage b = BaggagePropagator::Parse("k=a=b==");
  EXPECT_EQ(b.Get("k"), "a=b==");
}

TEST(BaggageParseTest, AllowsEmptyValues) {
  const Baggage b = BaggagePropagator::Parse("k=,j=1");
  EXPECT_EQ(b.Get("k"), "");
  EXPECT_EQ(b.Get("j"), "1");
}

TEST(BaggageParseTest, KeepsPropertiesAsMetadata) {
  const Baggage b = BaggagePropagator::Parse("k=v;p1;p2=x ; p3 = y,j=w");
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(b.entries()[0].value, "v");
  EXPECT_EQ(b.entries()[0].metadata, "p1;p2=x ; p3 = y");
  EXPECT_EQ(b.entries()[1].metadata, "");
}

TEST(BaggageParseTest, SkipsInvalidPercentSequenceButKeepsTheRest) {
  const Baggage b = BaggagePropagator::Parse("a=%zz,b=2,c=%4,d=%");
  EXPECT_FALSE(b.Get("a").has_value());
  EXPECT_FALSE(b.Get("c").has_value());
  EXPECT_FALSE(b.Get("d").has_value());
  EXPECT_EQ(b.Get("b"), "2");
  EXPECT_EQ(b.entries().size(), 1u);
}

TEST(BaggageParseTest, SkipsValuesWithForbiddenCharacters) {
  const Baggage b = BaggagePropagator::Parse("a=x y,b=\"q\",c=back\\slash,d=caf\xc3\xa9,e=t\tab,ok=1");
  EXPECT_EQ(b.entries().size(), 1u);
  EXPECT_EQ(b.Get("ok"), "1");
}

TEST(BaggageParseTest, SkipsKeysThatAreNotTokens) {
  const Baggage b = BaggagePropagator::Parse("=v,k y=v,(k)=v,k/=v,k\"=v,ok!#$&'*+-.^_`|~=1");
  ASSERT_EQ(b.entries().size(), 1u);
  EXPECT_EQ(b.entries()[0].key, "ok!#$&'*+-.^_`|~");
}

TEST(BaggageParseTest, SkipsMembersWithoutEquals) {
  const Baggage b = BaggagePropagator::Parse("novalue,k=v,;p=1");
  ASSERT_EQ(b.entries().size(), 1u);
  EXPECT_EQ(b.Get("k"), "v");
}

TEST(BaggageParseTest, SkipsEmptyMembers) {
  const Baggage b = BaggagePropagator::Parse(",, k=v ,\t,");
  ASSERT_EQ(b.entries().size(), 1u);
  EXPECT_EQ(b.Get("k"), "v");
}

TEST(BaggageParseTest, LaterDuplicateKeyWins) {
  const Baggage b = BaggagePropagator::Parse("k=1,j=2,k=3");
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(b.Get("k"), "3");
}

TEST(BaggageParseTest, IgnoresMembersAfterThe180th) {
  const Baggage b = BaggagePropagator::Parse(Members(200));
  EXPECT_EQ(b.entries().size(), 180u);
  EXPECT_EQ(b.Get("k179"), "v179");
  EXPECT_FALSE(b.Get("k180").has_value());
}

TEST(BaggageParseTest, MalformedMembersCountTowardsThe180) {
  const Baggage b = BaggagePropagator::Parse(absl::StrCat("bad,", Members(180)));
  EXPECT_EQ(b.entries().size(), 179u);
  EXPECT_FALSE(b.Get("k179").has_value());
}

// --- Extract ---

TEST(BaggageExtractTest, MergesIntoBaseBaggageReplacingSameKeys) {
  const Context base = WithBaggage(Baggage().With("a", "1").With("b", "2"));
  MapCarrier carrier{{"baggage", "b=3,c=4"}};
  const Context got = BaggagePropagator().Extract(carrier, base);
  EXPECT_EQ(got.baggage().Get("a"), "1");
  EXPECT_EQ(got.baggage().Get("b"), "3");
  EXPECT_EQ(got.baggage().Get("c"), "4");
  EXPECT_EQ(got.baggage().entries().size(), 3u);
  EXPECT_EQ(base.baggage().Get("b"), "2");  // base is not modified
}

TEST(BaggageExtractTest, AbsentHeaderLeavesBaseUnchanged) {
  const Context base = WithBaggage(Baggage().With("a", "1"));
  MapCarrier carrier;
  EXPECT_EQ(BaggagePropagator().Extract(carrier, base).baggage_ptr(), base.baggage_ptr());
}

TEST(BaggageExtractTest, HeaderWithNoValidMemberLeavesBaseUnchanged) {
  const Context base = WithBaggage(Baggage().With("a", "1"));
  MapCarrier carrier{{"baggage", "bad, =x,k=%zz"}};
  EXPECT_EQ(BaggagePropagator().Extract(carrier, base).baggage_ptr(), base.baggage_ptr());
}

TEST(BaggageExtractTest, KeepsTheBaseSpanContext) {
  const SpanContext sc(RandomTraceId(), RandomSpanId(), 1, false);
  MapCarrier carrier{{"Baggage", "k=v"}};  // header names are case-insensitive
  const Context got = BaggagePropagator().Extract(carrier, Context().WithSpanContext(sc));
  EXPECT_EQ(got.span_context().trace_id(), sc.trace_id());
  EXPECT_EQ(got.baggage().Get("k"), "v");
}

TEST(BaggageExtractTest, RandomGarbageNeverThrows) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  const BaggagePropagator propagator;
  for (int i = 0; i < 2000; ++i) {
    std::string header(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : header) c = static_cast<char>(byte(rng));
    MapCarrier carrier{{"baggage", header}};
    EXPECT_NO_THROW(propagator.Extract(carrier, Context()));
  }
}

TEST(BaggageExtractTest, StructuredGarbageNeverThrows) {
  // Random strings over the characters that matter to the grammar hit far
  // more parser branches than random bytes do.
  static constexpr std::string_view kAlphabet = "ab=;,% \t2F\"\\";
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> length(0, 60);
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  const BaggagePropagator propagator;
  for (int i = 0; i < 5000; ++i) {
    std::string header(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : header) c = kAlphabet[pick(rng)];
    MapCarrier carrier{{"baggage", header}};
    Context got;
    EXPECT_NO_THROW(got = propagator.Extract(carrier, Context()));
    // Whatever was accepted must be injectable and read back the same.
    MapCarrier out;
    propagator.Inject(got, out);
    EXPECT_EQ(propagator.Extract(out, Context()).baggage(), got.baggage()) << header;
  }
}

// --- Inject / Serialize ---

TEST(BaggageInjectTest, WritesNothingForEmptyBaggage) {
  MapCarrier carrier;
  BaggagePropagator().Inject(Context(), carrier);
  BaggagePropagator().Inject(WithBaggage(Baggage()), carrier);
  EXPECT_TRUE(carrier.empty());
}

TEST(BaggageInjectTest, EncodesValuesAndAppendsMetadata) {
  MapCarrier carrier;
  const Baggage b = Baggage().With("k", "hello world,;%").With("m", "v", "p1;p2=x");
  BaggagePropagator().Inject(WithBaggage(b), carrier);
  EXPECT_EQ(carrier.Get("baggage"), "k=hello%20world%2C%3B%25,m=v;p1;p2=x");
}

TEST(BaggageInjectTest, SkipsEntriesThatCannotBeWritten) {
  const Baggage b = Baggage().With("bad key", "1").With("ok", "2").With("m", "3", "p,q");
  EXPECT_EQ(BaggagePropagator::Serialize(b), "ok=2");
}

TEST(BaggageInjectTest, WritesAtMost64Members) {
  Baggage b;
  for (int i = 0; i < 70; ++i) b = b.With(absl::StrCat("k", i), "v");
  const std::string header = BaggagePropagator::Serialize(b);
  EXPECT_EQ(BaggagePropagator::Parse(header).entries().size(), Baggage::kMaxMembers);
  EXPECT_NE(header.find("k63=v"), std::string::npos);
  EXPECT_EQ(header.find("k64=v"), std::string::npos);
}

TEST(BaggageInjectTest, SkipsMembersThatWouldOverflow8192BytesAndKeepsLaterOnes) {
  const Baggage b = Baggage()
                        .With("a", std::string(5000, 'x'))
                        .With("b", std::string(5000, 'y'))  // does not fit after "a"
                        .With("c", "small");
  const std::string header = BaggagePropagator::Serialize(b);
  EXPECT_LE(header.size(), Baggage::kMaxBytes);
  const Baggage back = BaggagePropagator::Parse(header);
  EXPECT_TRUE(back.Get("a").has_value());
  EXPECT_FALSE(back.Get("b").has_value());
  EXPECT_EQ(back.Get("c"), "small");
}

TEST(BaggageInjectTest, LimitCountsEncodedBytes) {
  // 3000 spaces encode to 9000 bytes: too big even alone.
  const Baggage b = Baggage().With("a", std::string(3000, ' ')).With("c", "1");
  EXPECT_EQ(BaggagePropagator::Serialize(b), "c=1");
}

TEST(BaggageInjectTest, AHeaderOfExactly8192BytesIsWritten) {
  const std::string value(Baggage::kMaxBytes - 2, 'v');  // "k=" + value
  const Baggage b = Baggage().With("k", value);
  EXPECT_EQ(BaggagePropagator::Serialize(b).size(), Baggage::kMaxBytes);
  const Baggage one_more = Baggage().With("k", value + "v");
  EXPECT_EQ(BaggagePropagator::Serialize(one_more), "");
}

TEST(BaggageInjectTest, FieldsIsBaggage) {
  const std::vector<std::string_view> fields = BaggagePropagator().Fields();
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0], "baggage");
}

TEST(BaggageRoundTripTest, InjectThenExtractGivesTheSameBaggage) {
  const Baggage sent = Baggage()
                           .With("user", "alice")
                           .With("city", "Z\xc3\xbcrich; CH, 100% \"real\"")
                           .With("empty", "")
                           .With("meta", "v", "ttl=30;private");
  const BaggagePropagator propagator;
  MapCarrier carrier;
  propagator.Inject(WithBaggage(sent), carrier);
  EXPECT_EQ(propagator.Extract(carrier, Context()).baggage(), sent);
}

}  // namespace
}  // namespace qtrace
