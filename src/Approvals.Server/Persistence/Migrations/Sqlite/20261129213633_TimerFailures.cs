using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TimerFailures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "FailedAttempts",
                table: "Timers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "LastError",
                table: "Timers",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FailedAttempts",
                table: "Timers");

            migrationBuilder.DropColumn(
                name: "LastError",
                table: "Timers");
        }
    }
}
