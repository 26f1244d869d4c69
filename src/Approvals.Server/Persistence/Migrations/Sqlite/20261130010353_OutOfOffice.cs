using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Approvals.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OutOfOffice : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AwayDelegate",
                table: "Users",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "AwayFrom",
                table: "Users",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "AwayUntil",
                table: "Users",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AwayDelegate",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "AwayFrom",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "AwayUntil",
                table: "Users");
        }
    }
}
